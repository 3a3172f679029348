/**
 * For Node HTTP frameworks (Express, Fastify, Next.js Pages API routes): the fetch `Request`
 * `authenticateRequest` reads, built from an `IncomingMessage`'s method, URL and headers (no body: it
 * is never read), and the way back for the headers of a result.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface NodeRequestOptions {
  /** Take the scheme and host from `X-Forwarded-Proto` / `X-Forwarded-Host` (behind a proxy you trust). */
  trustProxy?: boolean;
}

function first(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v?.split(',')[0]?.trim() || undefined;
}

/** A bodiless fetch `Request` with the method, absolute URL and headers of a Node request. */
export function requestFromNode(req: IncomingMessage & { originalUrl?: string }, opts: NodeRequestOptions = {}): Request {
  const encrypted = (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
  const proto = (opts.trustProxy ? first(req.headers['x-forwarded-proto']) : undefined) ?? (encrypted ? 'https' : 'http');
  const host = (opts.trustProxy ? first(req.headers['x-forwarded-host']) : undefined) ?? first(req.headers.host) ?? 'localhost';
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name.startsWith(':')) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  return new Request(new URL(req.originalUrl ?? req.url ?? '/', `${proto}://${host}`), { method: req.method ?? 'GET', headers });
}

/** Copies a result's headers (Set-Cookie included, each on its own line) onto a Node response. */
export function applyHeaders(res: ServerResponse, headers: Headers): void {
  const cookies = headers.getSetCookie();
  if (cookies.length > 0) {
    const prior = res.getHeader('set-cookie');
    const list = prior === undefined ? [] : Array.isArray(prior) ? prior : [String(prior)];
    res.setHeader('set-cookie', [...list, ...cookies]);
  }
  headers.forEach((value, name) => {
    if (name !== 'set-cookie') res.setHeader(name, value);
  });
}
