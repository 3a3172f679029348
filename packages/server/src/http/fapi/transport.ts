/**
 * How browsers talk to the Frontend API. The official SDK only ever sends GET and POST (other methods ride
 * in `_method`, so no CORS preflight is needed), encodes bodies as forms (repeated keys for arrays,
 * nested objects as JSON text, null as an empty string) and calls with credentials from the page's
 * origin. This module undoes the tunnelling, decodes the bodies and decides which origins may call.
 */
import type { Context } from 'hono';
import { ApiError } from '../../errors.js';
import { readJsonBody } from '../router.js';
import { readBodyText } from '../body.js';

const TUNNELLED = new Set(['PATCH', 'PUT', 'DELETE']);

/**
 * The request as the route table should see it: a POST carrying `_method=PATCH|PUT|DELETE` becomes that
 * method, and a trailing slash is dropped (the SDK posts to `/me/email_addresses/`).
 */
export function untunnel(request: Request): Request {
  const url = new URL(request.url);
  const override = url.searchParams.get('_method')?.toUpperCase();
  const method = request.method === 'POST' && override && TUNNELLED.has(override) ? override : request.method;
  const path = url.pathname.length > 1 && url.pathname.endsWith('/') ? url.pathname.replace(/\/+$/, '') : url.pathname;
  if (method === request.method && path === url.pathname) return request;
  url.pathname = path;
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD' && request.body !== null;
  return new Request(url, {
    method,
    headers: request.headers,
    signal: request.signal,
    ...(hasBody ? { body: request.body, duplex: 'half' } : {}),
  } as RequestInit);
}

/** A form body's Content-Type. */
export const FORM_TYPE = /^application\/x-www-form-urlencoded\b/i;

/**
 * Reads a form (or JSON) body into plain values: one value per key as a string, a repeated key (or
 * `key[]`) as an array of strings. Schemas turn the strings into their types (see `form.ts`).
 */
export async function readFormBody(c: Context): Promise<unknown> {
  const type = c.req.header('content-type') ?? '';
  if (!FORM_TYPE.test(type)) return readJsonBody(c);
  return decodeForm(await readBodyText(c));
}

/** A form body's fields: one value per key as a string, a repeated key (or `key[]`) as an array. */
export function decodeForm(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [rawKey, value] of new URLSearchParams(text)) {
    const key = rawKey.endsWith('[]') ? rawKey.slice(0, -2) : rawKey;
    const prior = out[key];
    if (prior === undefined) out[key] = rawKey.endsWith('[]') ? [value] : value;
    else if (Array.isArray(prior)) prior.push(value);
    else out[key] = [prior, value];
  }
  return out;
}

/** `scheme://host[:port]` of a URL, or null when it is not one. */
export function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : null;
  } catch {
    return null;
  }
}

/**
 * A URL the Frontend API may send a browser to (an e-mail link's landing, the handshake's return): an
 * absolute http(s) URL on an allowed origin, so Latch is never an open redirect. Otherwise the coded
 * error, naming `param`.
 */
export function allowedRedirect(policy: OriginPolicy, raw: string, param = 'redirect_url'): URL {
  let target: URL;
  try {
    target = new URL(raw);
  } catch {
    throw ApiError.of('form_param_format_invalid', `${param} must be an absolute URL.`, param);
  }
  if ((target.protocol !== 'http:' && target.protocol !== 'https:') || !originAllowed(policy, target.origin)) {
    throw ApiError.of('form_param_value_invalid', `${param} ${target.origin} is not an allowed origin of this instance; add it to the allowed origins.`, param);
  }
  return target;
}

export interface OriginPolicy {
  /** Origins allowed to call with credentials. */
  allowed: ReadonlySet<string>;
  /** Development instances also admit any local page (http(s)://localhost or 127.0.0.1, any port). */
  allowLocal: boolean;
}

const LOCAL = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

export function originAllowed(policy: OriginPolicy, origin: string): boolean {
  return policy.allowed.has(origin) || (policy.allowLocal && LOCAL.test(origin));
}

/**
 * The CSRF defence. Frontend API mutations are "simple" requests (no preflight), so a POST from any site
 * would reach the handler: a mutation that names an Origin must name an allowed one, and one that carries
 * the client cookie must name one at all (browsers always send Origin on such POSTs). A caller without a
 * cookie and without an Origin (a server, a script) is not a browser riding someone's session.
 */
export function checkOrigin(c: Context, policy: OriginPolicy, cookieAuthenticated: boolean): void {
  if (c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.method === 'OPTIONS') return;
  const header = c.req.header('origin');
  const origin = header && header !== 'null' ? header : null;
  if (origin === null && !cookieAuthenticated) return;
  if (origin !== null && originAllowed(policy, origin)) return;
  throw new ApiError({
    code: 'origin_invalid',
    longMessage: origin
      ? `Requests from ${origin} are not allowed. Add the origin to the instance's allowed origins.`
      : 'A request that carries the client cookie must name its Origin.',
  });
}
