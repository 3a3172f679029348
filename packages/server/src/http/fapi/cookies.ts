/**
 * Cookies the Frontend API writes: the HttpOnly `__client` cookie that identifies the browser, and
 * `__client_uat` (client updated-at, in seconds; `0` when signed out), which server-side SDKs compare with
 * the session cookie to decide whether a session may exist without calling Latch.
 */
import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import { setCookie } from 'hono/cookie';

export const CLIENT_COOKIE = '__client';
export const CLIENT_UAT_COOKIE = '__client_uat';
const YEAR_SECONDS = 365 * 24 * 3600;

/**
 * The suffix the official SDKs add to cookie names so several instances can share a domain: the first
 * eight characters of the URL-safe base64 SHA-1 of the publishable key.
 */
export function cookieSuffix(publishableKey: string): string {
  return createHash('sha1').update(publishableKey).digest('base64url').slice(0, 8);
}

export interface CookieOptions {
  /** Add `Secure` (the public URL is https). */
  secure: boolean;
  /** `Domain=` for cookies the application's servers must read too; host-only when null. */
  domain: string | null;
}

export function writeClientCookie(c: Context, token: string, opts: CookieOptions): void {
  setCookie(c, CLIENT_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'Lax',
    secure: opts.secure,
    maxAge: YEAR_SECONDS,
  });
}

export function clearClientCookie(c: Context, opts: CookieOptions): void {
  setCookie(c, CLIENT_COOKIE, '', { path: '/', httpOnly: true, sameSite: 'Lax', secure: opts.secure, maxAge: 0 });
}

export { clientUatOf } from '../../domains/clients/service.js';

/** Writes `__client_uat` and `__client_uat_<suffix>`: seconds of the client's last sign-in change, or 0. */
export function writeClientUat(c: Context, updatedAtSeconds: number, suffix: string, opts: CookieOptions): void {
  for (const name of [CLIENT_UAT_COOKIE, `${CLIENT_UAT_COOKIE}_${suffix}`]) {
    setCookie(c, name, String(updatedAtSeconds), {
      path: '/',
      sameSite: 'Lax',
      secure: opts.secure,
      maxAge: YEAR_SECONDS,
      ...(opts.domain ? { domain: opts.domain } : {}),
    });
  }
}
