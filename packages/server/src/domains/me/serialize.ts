/**
 * The objects only the signed-in user's own routes answer with: an authenticator-app enrolment, a set of
 * backup codes (shown once), an uploaded image, and a session with its latest
 * activity. Secrets appear here only in the response that created them.
 */
import type { FrontendSessionJSON, SessionActivityJSON } from '@latch/core';
import { otpauthUri } from '../../crypto/totp.js';
import { sessionActivityJSON } from '../clients/serialize.js';
import type { SessionRow } from '../sessions/repository.js';
import { imageUrl } from '../users/serialize.js';

export interface TotpJSON {
  object: 'totp';
  id: string;
  secret: string | null;
  uri: string | null;
  verified: boolean;
  backup_codes: string[] | null;
  created_at: number;
  updated_at: number;
}

/** The part of an id after its prefix (`user_abc` → `abc`), to name the user's one TOTP and code set. */
const suffixOf = (userId: string) => userId.slice(userId.indexOf('_') + 1);

/** A new, unverified enrolment: the secret and the `otpauth://` URI the app scans. */
export function pendingTotpJSON(userId: string, secret: string, issuer: string, account: string, at: number): TotpJSON {
  return { object: 'totp', id: `totp_${suffixOf(userId)}`, secret, uri: otpauthUri(secret, issuer, account), verified: false, backup_codes: null, created_at: at, updated_at: at };
}

/** A confirmed enrolment: no secret any more; backup codes when this created them (shown once). */
export function verifiedTotpJSON(userId: string, backupCodes: string[] | null, at: number): TotpJSON {
  return { object: 'totp', id: `totp_${suffixOf(userId)}`, secret: null, uri: null, verified: true, backup_codes: backupCodes, created_at: at, updated_at: at };
}

export function backupCodesJSON(userId: string, codes: string[], at: number): { object: 'backup_code'; id: string; codes: string[]; created_at: number; updated_at: number } {
  return { object: 'backup_code', id: `bcode_${suffixOf(userId)}`, codes, created_at: at, updated_at: at };
}

export function imageJSON(imageId: string, publicUrl: string): { object: 'image'; id: string; name: string; public_url: string } {
  return { object: 'image', id: imageId, name: imageId, public_url: imageUrl(publicUrl, imageId) };
}

/** A session as `GET /me/sessions/active` lists it: the session and where it was last used. */
export function activeSessionJSON(session: FrontendSessionJSON, row: SessionRow): FrontendSessionJSON & { latest_activity: SessionActivityJSON | null } {
  return { ...session, latest_activity: sessionActivityJSON(row) };
}
