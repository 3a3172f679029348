/**
 * The e-mail and SMS templates Latch sends, with their defaults. Instances override them through the
 * BAPI; a reverted template falls back to the default here.
 */

export type TemplateType = 'email' | 'sms';

export interface TemplateDefault {
  slug: string;
  name: string;
  subject: string | null;
  body: string;
  fromEmailName: string | null;
  /** Variables the body may use. */
  availableVariables: string[];
  /** Variables the body must keep: without them the message cannot do its job. */
  requiredVariables: string[];
}

const COMMON = ['app.name', 'app.url', 'app.logo_url', 'user.first_name', 'user.last_name', 'user.email_address', 'user.phone_number'];

function emailLayout(title: string, inner: string): string {
  return [
    '<!doctype html><html><body style="margin:0;padding:24px;background:#f6f6f9;font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1f1f25">',
    '<table role="presentation" width="100%" style="max-width:520px;margin:0 auto;background:#fff;border-radius:12px;padding:32px">',
    `<tr><td><h1 style="font-size:20px;margin:0 0 16px">${title}</h1>${inner}`,
    '<p style="color:#6b6b78;font-size:12px;margin-top:32px">Sent by {{app.name}}. If you did not expect this message, you can ignore it.</p>',
    '</td></tr></table></body></html>',
  ].join('');
}

function button(href: string, label: string): string {
  return `<p style="margin:24px 0"><a href="${href}" style="background:#6c47ff;color:#fff;padding:12px 20px;border-radius:8px;text-decoration:none;display:inline-block">${label}</a></p><p style="font-size:12px;color:#6b6b78">Or open this link: ${href}</p>`;
}

export const EMAIL_TEMPLATES: TemplateDefault[] = [
  {
    slug: 'verification_code',
    name: 'Verification code',
    subject: '{{otp_code}} is your verification code',
    body: emailLayout('Verification code', '<p>Enter this code to continue:</p><p style="font-size:28px;letter-spacing:6px;font-weight:700">{{otp_code}}</p><p>It expires in {{ttl_minutes}} minutes.</p>'),
    fromEmailName: null,
    availableVariables: [...COMMON, 'otp_code', 'ttl_minutes', 'requested_from', 'requested_at'],
    requiredVariables: ['otp_code'],
  },
  {
    slug: 'reset_password_code',
    name: 'Reset password code',
    subject: '{{otp_code}} is your password reset code',
    body: emailLayout('Reset your password', '<p>Enter this code to choose a new password:</p><p style="font-size:28px;letter-spacing:6px;font-weight:700">{{otp_code}}</p><p>It expires in {{ttl_minutes}} minutes.</p>'),
    fromEmailName: null,
    availableVariables: [...COMMON, 'otp_code', 'ttl_minutes', 'requested_from', 'requested_at'],
    requiredVariables: ['otp_code'],
  },
  {
    slug: 'magic_link_sign_in',
    name: 'Magic link: sign in',
    subject: 'Your sign-in link for {{app.name}}',
    body: emailLayout('Sign in to {{app.name}}', `<p>Use this link to sign in. It expires in {{ttl_minutes}} minutes.</p>${button('{{magic_link}}', 'Sign in')}`),
    fromEmailName: null,
    availableVariables: [...COMMON, 'magic_link', 'ttl_minutes', 'requested_from', 'requested_at'],
    requiredVariables: ['magic_link'],
  },
  {
    slug: 'magic_link_sign_up',
    name: 'Magic link: sign up',
    subject: 'Finish signing up for {{app.name}}',
    body: emailLayout('Welcome to {{app.name}}', `<p>Use this link to finish signing up. It expires in {{ttl_minutes}} minutes.</p>${button('{{magic_link}}', 'Finish signing up')}`),
    fromEmailName: null,
    availableVariables: [...COMMON, 'magic_link', 'ttl_minutes', 'requested_from', 'requested_at'],
    requiredVariables: ['magic_link'],
  },
  {
    slug: 'invitation',
    name: 'Invitation',
    subject: 'You are invited to join {{app.name}}',
    body: emailLayout('You are invited', `<p>You have been invited to join {{app.name}}.</p>${button('{{action_url}}', 'Accept invitation')}<p>The invitation expires on {{expires_at}}.</p>`),
    fromEmailName: null,
    availableVariables: [...COMMON, 'action_url', 'expires_at', 'inviter_name'],
    requiredVariables: ['action_url'],
  },
  {
    slug: 'waitlist_invitation',
    name: 'Waitlist invitation',
    subject: 'Your spot at {{app.name}} is ready',
    body: emailLayout('Your spot is ready', `<p>You are off the waitlist for {{app.name}}.</p>${button('{{action_url}}', 'Create your account')}`),
    fromEmailName: null,
    availableVariables: [...COMMON, 'action_url', 'expires_at'],
    requiredVariables: ['action_url'],
  },
  {
    slug: 'organization_invitation',
    name: 'Organization invitation',
    subject: '{{inviter_name}} invited you to {{org.name}}',
    body: emailLayout('Join {{org.name}}', `<p>{{inviter_name}} invited you to join <strong>{{org.name}}</strong> on {{app.name}}.</p>${button('{{action_url}}', 'Accept invitation')}`),
    fromEmailName: null,
    availableVariables: [...COMMON, 'action_url', 'org.name', 'org.image_url', 'inviter_name', 'expires_at'],
    requiredVariables: ['action_url'],
  },
  {
    slug: 'allowlist_notification',
    name: 'Access granted (allowlist)',
    subject: 'You can now sign up for {{app.name}}',
    body: emailLayout('You have access', `<p>{{identifier}} has been granted access to {{app.name}}.</p>${button('{{action_url}}', 'Sign up')}`),
    fromEmailName: null,
    availableVariables: [...COMMON, 'action_url', 'identifier'],
    requiredVariables: ['action_url'],
  },
  {
    slug: 'password_changed',
    name: 'Password changed',
    subject: 'Your {{app.name}} password was changed',
    body: emailLayout('Password changed', '<p>The password of your {{app.name}} account {{user.email_address}} was just changed. If this was not you, contact support at once.</p>'),
    fromEmailName: null,
    availableVariables: [...COMMON],
    requiredVariables: [],
  },
  {
    slug: 'primary_email_address_changed',
    name: 'Primary e-mail address changed',
    subject: 'Your {{app.name}} e-mail address was changed',
    body: emailLayout('E-mail address changed', '<p>The primary e-mail address of your {{app.name}} account is now {{new_email_address}}.</p>'),
    fromEmailName: null,
    availableVariables: [...COMMON, 'new_email_address'],
    requiredVariables: [],
  },
];

export const SMS_TEMPLATES: TemplateDefault[] = [
  {
    slug: 'verification_code',
    name: 'Verification code',
    subject: null,
    body: '{{otp_code}} is your {{app.name}} verification code.',
    fromEmailName: null,
    availableVariables: ['app.name', 'otp_code', 'ttl_minutes'],
    requiredVariables: ['otp_code'],
  },
  {
    slug: 'reset_password_code',
    name: 'Reset password code',
    subject: null,
    body: '{{otp_code}} is your {{app.name}} password reset code.',
    fromEmailName: null,
    availableVariables: ['app.name', 'otp_code', 'ttl_minutes'],
    requiredVariables: ['otp_code'],
  },
  {
    slug: 'invitation',
    name: 'Invitation',
    subject: null,
    body: 'You are invited to join {{app.name}}: {{action_url}}',
    fromEmailName: null,
    availableVariables: ['app.name', 'action_url'],
    requiredVariables: ['action_url'],
  },
  {
    slug: 'allowlist_notification',
    name: 'Access granted (allowlist)',
    subject: null,
    body: 'You can now sign up for {{app.name}}: {{action_url}}',
    fromEmailName: null,
    availableVariables: ['app.name', 'action_url', 'identifier'],
    requiredVariables: ['action_url'],
  },
];

export function defaultsOf(type: TemplateType): TemplateDefault[] {
  return type === 'email' ? EMAIL_TEMPLATES : SMS_TEMPLATES;
}
