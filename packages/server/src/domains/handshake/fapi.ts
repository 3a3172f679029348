/**
 * `GET /fapi/v1/client/handshake`: the browser arrives here by a top-level navigation from an application
 * page (the official server SDKs' `authenticateRequest`, or `@latch/backend`'s), and goes back to that page
 * with the cookies it needs (see service.ts). A plain Hono route rather than a Frontend API router route:
 * it answers with a redirect, and a stale dev-browser id on the URL must not turn it into a 401.
 */
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { ApiError } from '../../errors.js';
import { CLIENT_COOKIE } from '../../http/fapi/cookies.js';
import { allowedRedirect, type OriginPolicy } from '../../http/fapi/transport.js';
import type { HandshakeService } from './service.js';

export interface HandshakeRouteDeps {
  handshake: HandshakeService;
  originPolicy(): Promise<OriginPolicy>;
  development: boolean;
  /** The cookie-name suffix of the instance's publishable key. */
  suffix: string;
}

export function handshakeHandler({ handshake, originPolicy, development, suffix }: HandshakeRouteDeps): (c: Context) => Promise<Response> {
  return async (c) => {
    const raw = c.req.query('redirect_url');
    if (!raw) throw ApiError.of('form_param_missing', 'redirect_url is required: the page to send the browser back to.', 'redirect_url');
    const target = allowedRedirect(await originPolicy(), raw);
    const directives = await handshake.directives({
      clientToken: getCookie(c, CLIENT_COOKIE) ?? null,
      devBrowser: c.req.query('__clerk_db_jwt') || null,
      azp: target.origin,
      development,
      secure: target.protocol === 'https:',
      suffix,
    });
    for (const p of ['__clerk_handshake', '__clerk_handshake_nonce', '__clerk_db_jwt']) target.searchParams.delete(p);
    if (c.req.query('format') === 'nonce') target.searchParams.set('__clerk_handshake_nonce', await handshake.nonceFor(directives));
    else target.searchParams.set('__clerk_handshake', await handshake.tokenFor(directives));
    c.header('Cache-Control', 'no-store');
    return c.redirect(target.href, 307);
  };
}
