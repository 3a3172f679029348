/**
 * The handshake: how an application's server, finding the browser's cookies on its own site missing,
 * inconsistent or expired, gets fresh ones. The browser is sent to the Frontend API's
 * `/v1/client/handshake`, which knows it by its `__client` cookie, mints a session token and sends it back
 * to the page with the cookies to set: as a nonce the app's server exchanges with its secret key
 * (`GET /v1/clients/handshake_payload`), or as a token signed with the session-token key.
 *
 * The cookies (Set-Cookie directives, host-only on the application's site):
 * `__session` and `__session_<suffix>` (the token, or cleared when nobody is signed in), `__client_uat` and
 * `__client_uat_<suffix>` (seconds of the client's last sign-in change, never after the token's `iat`; 0
 * when signed out), the handshake cookies cleared, and on development instances the dev-browser marker
 * `__clerk_db_jwt` (and its suffixed name) that the official SDKs require there.
 */
import { randomToken } from '@latch/core';
import type { TokenSigner } from '../../crypto/session-tokens.js';
import { hashSecret } from '../../crypto/tokens.js';
import type { Db } from '../../storage/database.js';
import { clientUatOf, type ClientsService } from '../clients/service.js';
import type { SessionsService } from '../sessions/service.js';
import { deleteExpiredNonces, findNonceDirectives, insertNonce } from './repository.js';

/** How long a nonce can be exchanged: the page may be reloaded before the browser SDK cleans the URL. */
export const NONCE_LIFETIME_MS = 2 * 60_000;
const YEAR_SECONDS = 365 * 24 * 3600;

export interface HandshakeInput {
  /** The browser's `__client` cookie, if it sent one. */
  clientToken: string | null;
  /** A Latch dev-browser id (`__clerk_db_jwt` on the handshake URL), if any. */
  devBrowser: string | null;
  /** The origin the token is for (`azp`): the page being repaired. */
  azp: string;
  development: boolean;
  /** Add `Secure` (the page is https). */
  secure: boolean;
  /** The cookie-name suffix of the publishable key. */
  suffix: string;
}

function cookie(name: string, value: string, attrs: string[]): string {
  return [`${name}=${value}`, 'Path=/', ...attrs].join('; ');
}

export interface HandshakeServiceDeps {
  db: Db;
  signer: TokenSigner;
  clients: ClientsService;
  sessions: SessionsService;
  now?: () => number;
}

export function createHandshakeService({ db, signer, clients, sessions, now = Date.now }: HandshakeServiceDeps) {
  return {
    /** The Set-Cookie directives that bring the application's cookies in line with the browser's client. */
    async directives(input: HandshakeInput): Promise<string[]> {
      const client = (await clients.identify(input.clientToken)) ?? (await clients.identify(input.devBrowser));
      const found = client ? await clients.withSessions(client.id) : null;
      const active = found?.client.last_active_session_id;
      let token: string | null = null;
      if (found && active && found.sessions.some((s) => s.id === active)) {
        token = await sessions.token(active, found.client.id, { azp: input.azp }).catch(() => null);
      }
      // The client was read before minting: the token's iat (now, in seconds) is never before its last change.
      const uat = found && token ? clientUatOf(found.sessions.length, found.client.updated_at) : 0;
      const secure = input.secure ? ['Secure'] : [];
      const names = (base: string) => [base, `${base}_${input.suffix}`];
      const out: string[] = [];
      for (const name of names('__session')) out.push(token ? cookie(name, token, ['SameSite=Lax', ...secure]) : cookie(name, '', ['SameSite=Lax', 'Max-Age=0', ...secure]));
      for (const name of names('__client_uat')) out.push(cookie(name, String(uat), ['SameSite=Lax', `Max-Age=${YEAR_SECONDS}`, ...secure]));
      out.push(cookie('__clerk_handshake', '', ['Max-Age=0']), cookie('__clerk_handshake_nonce', '', ['Max-Age=0']));
      if (input.development) {
        // The official SDKs refuse development requests without a dev-browser marker; any value will do,
        // and this one grants nothing (it is not the client's token).
        const marker = input.devBrowser && /^[A-Za-z0-9_.-]{1,256}$/.test(input.devBrowser) ? input.devBrowser : `dvb_${randomToken(27)}`;
        for (const name of names('__clerk_db_jwt')) out.push(cookie(name, marker, ['SameSite=Lax', `Max-Age=${YEAR_SECONDS}`, ...secure]));
      }
      return out;
    },

    /** Stores the directives under a new nonce (only its digest is kept) and returns the nonce. */
    async nonceFor(directives: string[]): Promise<string> {
      const t = now();
      const nonce = randomToken(40);
      await deleteExpiredNonces(db, t);
      await insertNonce(db, { nonce_hash: hashSecret(nonce), directives, expires_at: t + NONCE_LIFETIME_MS, created_at: t });
      return nonce;
    },

    /** The directives as a handshake token: `{ handshake: [...] }` signed with the session-token key. */
    tokenFor(directives: string[]): Promise<string> {
      const iat = Math.floor(now() / 1000);
      return signer.sign({ handshake: directives, iat, exp: iat + NONCE_LIFETIME_MS / 1000 });
    },

    /** What a nonce stands for, while it is valid; null otherwise. */
    async payload(nonce: string): Promise<string[] | null> {
      if (!nonce || nonce.length > 256) return null;
      return findNonceDirectives(db, hashSecret(nonce), now());
    },
  };
}

export type HandshakeService = ReturnType<typeof createHandshakeService>;
