/** Wire types of invitations to the instance. */
import type { Metadata } from './common.js';

/** The effective status: a pending invitation past its expiry is expired. */
export type InvitationStatusJSON = 'pending' | 'accepted' | 'revoked' | 'expired';

/**
 * An invitation to sign up, as the Backend API shows it. It carries public metadata only (copied to the
 * user who accepts it), so there is no private variant.
 */
export interface InvitationJSON {
  object: 'invitation';
  id: string;
  email_address: string;
  public_metadata: Metadata;
  revoked: boolean;
  status: InvitationStatusJSON;
  /** The link that accepts the invitation, while it is pending; null otherwise. */
  url: string | null;
  expires_at: number | null;
  created_at: number;
  updated_at: number;
}
