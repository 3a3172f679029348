/**
 * What a sign-up still needs, from the instance's settings and what has been given so far: the one place
 * `required_fields`, `missing_fields` and `unverified_fields` are decided.
 */
import type { AuthSettings } from '../instance/auth-settings.js';
import type { SignUpRow } from './repository.js';

export interface SignUpRequirements {
  required: string[];
  optional: string[];
  missing: string[];
  unverified: string[];
}

export function requirementsOf(row: SignUpRow, auth: AuthSettings): SignUpRequirements {
  const fields: [string, { enabled: boolean; required: boolean }, boolean][] = [
    ['email_address', auth.email_address, row.email_address !== null],
    ['phone_number', auth.phone_number, row.phone_number !== null],
    ['username', auth.username, row.username !== null],
    ['first_name', auth.first_name, row.first_name !== null],
    ['last_name', auth.last_name, row.last_name !== null],
    ['password', auth.password, row.password_digest !== null],
  ];
  const required: string[] = [];
  const optional: string[] = [];
  const missing: string[] = [];
  for (const [name, setting, given] of fields) {
    if (!setting.enabled) continue;
    if (setting.required) {
      required.push(name);
      if (!given) missing.push(name);
    } else optional.push(name);
  }
  if (auth.legal_consent_enabled) {
    required.push('legal_accepted');
    if (row.legal_accepted_at === null) missing.push('legal_accepted');
  }
  const unverified: string[] = [];
  if (row.email_address !== null && row.email_verified_at === null) unverified.push('email_address');
  if (row.phone_number !== null && row.phone_verified_at === null) unverified.push('phone_number');
  return { required, optional, missing, unverified };
}
