/** Sign-in attempts → wire JSON (`sign_in_attempt`). Only browsers see these. */
import type { AuthSettings } from '../instance/auth-settings.js';
import { imageUrl } from '../users/serialize.js';
import { verificationStubJSON } from '../verifications/serialize.js';
import type { SignInView } from './service.js';

/** `j***@example.com`, `+1******0100`: enough to recognise, not enough to harvest. */
export function maskIdentifier(value: string): string {
  const at = value.indexOf('@');
  if (at > 0) return `${value[0]}***${value.slice(at)}`;
  if (value.length > 6) return `${value.slice(0, 2)}${'*'.repeat(value.length - 6)}${value.slice(-4)}`;
  return value;
}

function supportedIdentifiers(auth: AuthSettings): string[] {
  return (['email_address', 'phone_number', 'username'] as const).filter((k) => auth[k].enabled && auth[k].used_for_first_factor);
}

export function signInJSON(view: SignInView, auth: AuthSettings, publicUrl: string, now: number): Record<string, unknown> {
  const { signIn, user } = view;
  const typed = signIn.identifier ?? '';
  const shown = (value: string) => (value.toLowerCase() === typed.toLowerCase() ? value : maskIdentifier(value));
  const first: Record<string, unknown>[] = [];
  if (user) {
    const u = user.user;
    if (auth.password.enabled && user.password) first.push({ strategy: 'password' });
    const emails = user.identifications.filter((i) => i.type === 'email_address' && i.status === 'verified');
    emails.sort((a, b) => (a.id === u.primary_email_address_id ? -1 : b.id === u.primary_email_address_id ? 1 : 0));
    if (auth.email_address.enabled) {
      for (const strategy of auth.email_address.verification) {
        for (const e of emails) first.push({ strategy, safe_identifier: shown(e.value), email_address_id: e.id, primary: e.id === u.primary_email_address_id });
      }
      // With a password, each verified address can also receive a reset code ("Forgot password?").
      if (auth.password.enabled && user.password) {
        for (const e of emails) first.push({ strategy: 'reset_password_email_code', safe_identifier: shown(e.value), email_address_id: e.id, primary: e.id === u.primary_email_address_id });
      }
    }
    if (auth.phone_number.enabled) {
      for (const p of user.identifications.filter((i) => i.type === 'phone_number' && i.status === 'verified')) {
        first.push({ strategy: 'phone_code', safe_identifier: shown(p.value), phone_number_id: p.id, primary: p.id === u.primary_phone_number_id });
      }
    }
  } else if (signIn.identifier) {
    // An identifier nobody has, under enumeration protection: the factors a real account would offer.
    if (auth.password.enabled) first.push({ strategy: 'password' });
    if (typed.includes('@') && auth.email_address.enabled) {
      for (const strategy of auth.email_address.verification) first.push({ strategy, safe_identifier: typed, primary: true });
    }
  }
  const second: Record<string, unknown>[] = [];
  if (signIn.status === 'needs_second_factor' && user) {
    if (user.user.totp_secret !== null) second.push({ strategy: 'totp' });
    if (user.user.backup_codes !== null && user.user.backup_codes !== '[]') second.push({ strategy: 'backup_code' });
  }
  return {
    object: 'sign_in_attempt',
    id: signIn.id,
    status: signIn.status,
    supported_identifiers: supportedIdentifiers(auth),
    supported_first_factors: first,
    supported_second_factors: signIn.status === 'needs_second_factor' ? second : null,
    first_factor_verification: verificationStubJSON(view.firstFactor, now),
    second_factor_verification: verificationStubJSON(view.secondFactor, now),
    identifier: signIn.identifier,
    user_data: user
      ? {
          first_name: user.user.first_name,
          last_name: user.user.last_name,
          image_url: imageUrl(publicUrl, user.user.image_id),
          has_image: user.user.image_id !== null,
        }
      : null,
    created_session_id: signIn.created_session_id,
    abandon_at: signIn.abandon_at,
    client_trust_state: null,
  };
}
