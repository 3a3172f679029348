/** Sign-up attempts → wire JSON (`sign_up_attempt`). Only browsers see these. */
import type { Metadata } from '@latch/core';
import { readJson } from '../../storage/schema.js';
import type { AuthSettings } from '../instance/auth-settings.js';
import { verificationStubJSON } from '../verifications/serialize.js';
import type { VerificationRow } from '../verifications/repository.js';
import { requirementsOf } from './requirements.js';
import type { SignUpView } from './service.js';

function verificationOf(given: boolean, verifiedAt: number | null, row: VerificationRow | null, strategies: string[], ticket: boolean, now: number) {
  if (!given) return null;
  if (verifiedAt !== null && (!row || row.status !== 'verified')) {
    // Verified without a code: by the invitation the address received.
    return { object: 'verification_ticket', status: 'verified', strategy: ticket ? 'ticket' : 'admin', attempts: null, expire_at: null, next_action: '', supported_strategies: strategies };
  }
  const stub = verificationStubJSON(row, now);
  if (!stub) return { status: 'unverified', strategy: null, attempts: null, expire_at: null, next_action: 'needs_prepare', supported_strategies: strategies };
  return { ...stub, next_action: stub.status === 'verified' ? '' : 'needs_attempt', supported_strategies: strategies };
}

export function signUpJSON(view: SignUpView, auth: AuthSettings, now: number): Record<string, unknown> {
  const s = view.signUp;
  const req = requirementsOf(s, auth);
  return {
    object: 'sign_up_attempt',
    id: s.id,
    status: s.status,
    required_fields: req.required,
    optional_fields: req.optional,
    missing_fields: s.status === 'complete' ? [] : req.missing,
    unverified_fields: s.status === 'complete' ? [] : req.unverified,
    verifications: {
      email_address: verificationOf(s.email_address !== null, s.email_verified_at, view.email, auth.email_address.verification, s.ticket !== null, now),
      phone_number: verificationOf(s.phone_number !== null, s.phone_verified_at, view.phone, ['phone_code'], false, now),
      web3_wallet: null,
      external_account: null,
    },
    username: s.username,
    email_address: s.email_address,
    phone_number: s.phone_number,
    web3_wallet: null,
    password_enabled: s.password_digest !== null || s.status === 'complete',
    first_name: s.first_name,
    last_name: s.last_name,
    unsafe_metadata: s.unsafe_metadata ? readJson<Metadata>(s.unsafe_metadata) : {},
    public_metadata: {},
    custom_action: false,
    external_id: null,
    created_session_id: s.created_session_id,
    created_user_id: s.created_user_id,
    abandon_at: s.abandon_at,
    legal_accepted_at: s.legal_accepted_at,
  };
}
