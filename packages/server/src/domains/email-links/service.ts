/**
 * E-mail links: what happens when a person opens the link a sign-in or sign-up attempt sent. The link
 * proves the address; the attempt then moves on exactly as after a code, on the client that asked for
 * the link (which may be another browser: the tab that asked keeps polling and finds itself signed in).
 * With `email_link_require_same_client` on, a link proves something only in the browser that asked for it.
 */
import { ApiError } from '../../errors.js';
import { type Db, transaction } from '../../storage/database.js';
import type { AuthSettings } from '../instance/auth-settings.js';
import type { SignInsService } from '../sign-ins/service.js';
import type { SignUpsService } from '../sign-ups/service.js';
import type { VerificationRow } from '../verifications/repository.js';
import type { VerificationsService } from '../verifications/service.js';

export interface EmailLinksDeps {
  db: Db;
  settings(): Promise<AuthSettings>;
  verifications: VerificationsService;
  signIns: SignInsService;
  signUps: SignUpsService;
  /** Links that verify an address the user added to their account (asked of the account domain). */
  identifications?: { verifyByLink(identificationId: string, token: string, clientId: string | null): Promise<{ status: 'verified' | 'expired' | 'failed'; redirectUrl: string | null }> };
}

/** `__clerk_status` of the landing page's redirect, as the browser SDK reads it. */
export type LinkStatus = 'verified' | 'expired' | 'failed' | 'client_mismatch';

export interface LinkOpened {
  status: LinkStatus;
  /** Where the landing page sends the browser (null: nowhere, show a page). */
  redirectUrl: string | null;
  /** The session the link completed, if it completed one. */
  createdSessionId: string | null;
  /** The client the attempt belongs to (so the caller knows whether it signed its own browser in). */
  attemptClientId: string | null;
}

/** Thrown inside the transaction to undo the opening: the link stays unused. */
class Undo extends Error {
  constructor(readonly status: LinkStatus) {
    super(status);
  }
}

export function createEmailLinksService({ db, settings, verifications, signIns, signUps, identifications }: EmailLinksDeps) {
  return {
    async open(token: string, callerClientId: string | null): Promise<LinkOpened> {
      const owner = await verifications.linkOwner(db, token);
      if (owner?.ownerId.startsWith('idn_') && identifications) {
        // An address added in the user's profile: verified under the user's locks, nobody signed in.
        const r = await identifications.verifyByLink(owner.ownerId, token, callerClientId);
        return { status: r.status, redirectUrl: r.redirectUrl ?? owner.redirectUrl, createdSessionId: null, attemptClientId: null };
      }
      const auth = await settings();
      let proved: VerificationRow | null = null;
      let attemptClientId: string | null = null;
      let createdSessionId: string | null = null;
      try {
        const refused = await transaction(db, async (tx) => {
          const outcome = await verifications.redeemLink(tx, token, callerClientId);
          // Refusals commit (an expired link is marked expired).
          if (!outcome.ok) return { status: outcome.status, redirectUrl: outcome.verification?.redirect_url ?? null };
          const v = outcome.verification;
          proved = v;
          if (v.owner_id.startsWith('sia_')) {
            const row = await signIns.completeByLink(tx, v.owner_id);
            if (!row) throw new Undo('failed');
            attemptClientId = row.client_id;
            createdSessionId = row.created_session_id;
          } else {
            const row = await signUps.verifiedByLink(tx, v.owner_id);
            if (!row) throw new Undo('failed');
            attemptClientId = row.client_id;
          }
          if (auth.email_link_require_same_client && attemptClientId !== callerClientId) throw new Undo('client_mismatch');
          return null;
        });
        if (refused) return { ...refused, createdSessionId: null, attemptClientId: null };
      } catch (err) {
        const redirectUrl = (proved as VerificationRow | null)?.redirect_url ?? null;
        if (err instanceof Undo) return { status: err.status, redirectUrl, createdSessionId: null, attemptClientId: null };
        // A user banned or locked since the link was sent: the sign-in refuses, the link proves nothing.
        if (err instanceof ApiError && err.status < 500) return { status: 'failed', redirectUrl, createdSessionId: null, attemptClientId: null };
        throw err;
      }
      const v = proved as VerificationRow | null;
      if (v && !v.owner_id.startsWith('sia_')) {
        // The address is verified whatever happens next; the user is created when nothing else is missing.
        const row = await signUps.completeAfterLink(v.owner_id).catch((err: unknown) => {
          if (err instanceof ApiError && err.status < 500) return null;
          throw err;
        });
        createdSessionId = row?.created_session_id ?? null;
      }
      return { status: 'verified', redirectUrl: v?.redirect_url ?? null, createdSessionId, attemptClientId };
    },
  };
}

export type EmailLinksService = ReturnType<typeof createEmailLinksService>;

/** The landing page's redirect: the attempt's `redirect_url` with the outcome the SDK reads. */
export function landingUrl(opened: LinkOpened): string | null {
  if (!opened.redirectUrl) return null;
  const url = new URL(opened.redirectUrl);
  url.searchParams.set('__clerk_status', opened.status);
  if (opened.createdSessionId) url.searchParams.set('__clerk_created_session', opened.createdSessionId);
  return url.toString();
}
