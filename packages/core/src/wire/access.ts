/** Wire types of who may sign up: allowlist and blocklist entries and the instance's restrictions. */

/** What an entry matches; a `*@domain` wildcard is an e-mail identifier on the wire. */
export type AccessIdentifierTypeJSON = 'email_address' | 'phone_number' | 'web3_wallet';

export interface AllowlistIdentifierJSON {
  object: 'allowlist_identifier';
  id: string;
  invitation_id: string | null;
  identifier: string;
  identifier_type: AccessIdentifierTypeJSON;
  instance_id: string | null;
  created_at: number;
  updated_at: number;
}

export interface BlocklistIdentifierJSON {
  object: 'blocklist_identifier';
  id: string;
  identifier: string;
  identifier_type: AccessIdentifierTypeJSON;
  instance_id: string | null;
  created_at: number;
  updated_at: number;
}

export interface InstanceRestrictionsJSON {
  object: 'instance_restrictions';
  allowlist: boolean;
  blocklist: boolean;
  allowlist_blocklist_disabled_on_sign_in: boolean;
  block_email_subaddresses: boolean;
  block_disposable_email_domains: boolean;
}
