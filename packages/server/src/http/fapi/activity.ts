/** What a request says about where it came from, for rate limits and a session's latest activity. */
import type { Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { RequestActivity } from '../../domains/sessions/service.js';

const CLIENT_IP = 'clientIp';

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
}

export function activityOf(c: Context): RequestActivity {
  return { ipAddress: (c.get(CLIENT_IP as never) as string | null | undefined) ?? null, userAgent: c.req.header('user-agent') ?? null };
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
