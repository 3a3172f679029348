/** What a request says about where it came from, for rate limits and a session's latest activity. */
import type { Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { RequestActivity } from '../../domains/sessions/service.js';

const CLIENT_IP = 'clientIp';
const CLIENT_GEO = 'clientGeo';

/**
 * Headers in which proxies and CDNs name the caller's city and country: Latch's own (for a proxy such as
 * nginx with its GeoIP module), Cloudflare's, CloudFront's and Vercel's. Read only from a trusted proxy.
 */
const CITY_HEADERS = ['x-latch-city', 'cf-ipcity', 'cloudfront-viewer-city', 'x-vercel-ip-city'];
const COUNTRY_HEADERS = ['x-latch-country', 'cf-ipcountry', 'cloudfront-viewer-country', 'x-vercel-ip-country'];

function headerValue(c: Context, names: string[], max: number): string | null {
  for (const name of names) {
    const raw = c.req.header(name)?.trim();
    if (!raw) continue;
    let value = raw;
    try {
      value = decodeURIComponent(raw); // Vercel percent-encodes the city
    } catch {
      // not percent-encoded: keep it as it came
    }
    // Printable text only, and short: it is shown to the user as "where you signed in".
    value = [...value].filter((ch) => ch >= ' ' && ch !== '\u007f' && ch !== '<' && ch !== '>').join('').slice(0, max);
    if (value) return value;
  }
  return null;
}

/**
 * The caller's address: the first `X-Forwarded-For` entry when Latch is configured to trust its proxy,
 * otherwise the peer of the connection. Computed once per request by the Frontend API app.
 */
export function resolveClientIp(c: Context, trustProxy: boolean): void {
  let ip: string | null;
  const forwarded = trustProxy ? c.req.header('x-forwarded-for')?.split(',')[0]?.trim() : undefined;
  if (forwarded) ip = forwarded.slice(0, 64);
  else {
    try {
      ip = getConnInfo(c).remote.address ?? null;
    } catch {
      // Not served by the Node adapter (an in-process request): no peer address.
      ip = null;
    }
  }
  c.set(CLIENT_IP as never, ip as never);
  if (trustProxy) {
    const country = headerValue(c, COUNTRY_HEADERS, 2)?.toUpperCase() ?? null;
    // `XX` and `T1` are the CDNs' "unknown" and "Tor" codes, not countries.
    c.set(CLIENT_GEO as never, { city: headerValue(c, CITY_HEADERS, 100), country: country && /^[A-Z]{2}$/.test(country) && country !== 'XX' ? country : null } as never);
  }
}

export function activityOf(c: Context): RequestActivity {
  const geo = c.get(CLIENT_GEO as never) as { city: string | null; country: string | null } | undefined;
  return { ipAddress: (c.get(CLIENT_IP as never) as string | null | undefined) ?? null, userAgent: c.req.header('user-agent') ?? null, city: geo?.city ?? null, country: geo?.country ?? null };
}

/** The caller's address as a rate-limit key (`unknown` when the connection has none). */
export function limitKeyOf(c: Context): string {
  return activityOf(c).ipAddress ?? 'unknown';
}

/** The origin a session token is minted for (`azp`): the calling page's origin. */
export function azpOf(c: Context): string | null {
  const origin = c.req.header('origin');
  return origin && origin !== 'null' ? origin : null;
}
