/**
 * The one rule for an invitation's effective status, for instance and organization invitations alike:
 * the stored status, except that a pending invitation past its expiry is expired.
 */
export type InvitationStatus = 'pending' | 'accepted' | 'revoked' | 'expired';

export function effectiveInvitationStatus(row: { status: InvitationStatus; expires_at: number | null }, now: number): InvitationStatus {
  if (row.status === 'pending' && row.expires_at !== null && row.expires_at <= now) return 'expired';
  return row.status;
}
