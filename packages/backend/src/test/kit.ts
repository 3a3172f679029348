/**
 * Test helpers shared by @latch/backend's suites and the server's handshake suite: a user signed in
 * through the Frontend API with form posts (as a browser would), a forger of tokens with the server's own
 * signing key, and the cookie jar of an application's site.
 */
import { createPrivateKey, sign } from 'node:crypto';
import { FapiBrowser } from '../../../server/src/test/fapi-browser.js';
import type { TestServer } from '../../../server/src/test/harness.js';

export const PASSWORD = 'correct horse battery staple';

export interface SignedInBrowser {
  browser: FapiBrowser;
  userId: string;
  sessionId: string;
  /** The session token the sign-in response carried. */
  token: string;
  /** `__client_uat` as the Frontend API set it. */
  clientUat: string;
}

/** Creates a user and signs them in through `/fapi/v1/client/sign_ins` (identifier, then password). */
export async function signInThroughFapi(t: TestServer, email: string, origin = 'http://localhost:3000'): Promise<SignedInBrowser> {
  const res = await t.api('/users', { method: 'POST', json: { email_address: [email], password: PASSWORD } });
  if (res.status !== 200) throw new Error(`user not created: ${res.status} ${await res.text()}`);
  const userId = ((await res.json()) as { id: string }).id;
  const browser = new FapiBrowser(t.url, origin);
  const created = await browser.post<{ response: { id: string } }>('/client/sign_ins', { identifier: email });
  const done = await browser.post<{ response: { created_session_id: string }; client: { sessions: { id: string; last_active_token: { jwt: string } }[] } }>(
    `/client/sign_ins/${created.body.response.id}/attempt_first_factor`,
    { strategy: 'password', password: PASSWORD },
  );
  const sessionId = done.body.response.created_session_id;
  const token = done.body.client.sessions.find((s) => s.id === sessionId)?.last_active_token.jwt;
  const clientUat = browser.cookies.get('__client_uat');
  if (!sessionId || !token || !clientUat) throw new Error(`sign-in did not complete: ${JSON.stringify(done.body)}`);
  return { browser, userId, sessionId, token, clientUat };
}

/** Signs arbitrary claims with the server's active signing key (to make expired, early or foreign tokens). */
export async function forgeToken(t: TestServer, claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  const row = await t.server.services.storage.db.selectFrom('signing_keys').select(['kid', 'private_pem']).where('status', '=', 'active').orderBy('created_at', 'desc').executeTakeFirstOrThrow();
  const h = Buffer.from(JSON.stringify({ alg: 'RS256', kid: row.kid, typ: 'JWT', ...header })).toString('base64url');
  const p = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${h}.${p}.${sign('sha256', Buffer.from(`${h}.${p}`), createPrivateKey(row.private_pem)).toString('base64url')}`;
}

/** The cookies of an application's site, as a browser keeps them: Set-Cookie in, Cookie header out. */
export class SiteJar {
  readonly cookies = new Map<string, string>();

  constructor(initial: Record<string, string> = {}) {
    for (const [k, v] of Object.entries(initial)) this.cookies.set(k, v);
  }

  apply(headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const maxAge = attrs.map((a) => a.trim()).find((a) => /^max-age=/i.test(a));
      if (value === '' || (maxAge && Number(maxAge.split('=')[1]) <= 0)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** A document navigation to `url` with this jar's cookies. */
  page(url: string, init: { method?: string; accept?: string } = {}): Request {
    const headers = new Headers({ cookie: this.header() });
    if (init.accept) headers.set('accept', init.accept);
    else headers.set('sec-fetch-dest', 'document');
    return new Request(url, { method: init.method ?? 'GET', headers });
  }
}
