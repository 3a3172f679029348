/** A verification row → its wire stub (`verification_otp`, `verification_password`, …). */
import type { VerificationRow } from './repository.js';

const OBJECT_OF: Record<string, string> = {
  email_code: 'verification_otp',
  phone_code: 'verification_otp',
  reset_password_email_code: 'verification_otp',
  password: 'verification_password',
  totp: 'verification_totp',
  backup_code: 'verification_backup_code',
  ticket: 'verification_ticket',
  email_link: 'verification_email_link',
};

export interface VerificationStubJSON {
  object: string;
  status: VerificationRow['status'];
  strategy: string;
  attempts: number | null;
  expire_at: number | null;
  /** E-mail links: the client that opened the link (the SDK compares it with its own). */
  verified_at_client?: string | null;
}

export function verificationStubJSON(v: VerificationRow | null | undefined, now: number): VerificationStubJSON | null {
  if (!v) return null;
  const expired = v.status === 'unverified' && v.expires_at !== null && v.expires_at <= now;
  return {
    object: OBJECT_OF[v.strategy] ?? 'verification',
    status: expired ? 'expired' : v.status,
    strategy: v.strategy,
    attempts: v.attempts,
    expire_at: v.expires_at,
    ...(v.strategy === 'email_link' ? { verified_at_client: v.verified_at_client } : {}),
  };
}
