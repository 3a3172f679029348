/**
 * Wire types of an organization and what hangs off it: memberships, invitations, verified domains, roles,
 * permissions and the instance's organization settings.
 *
 * The organization, its memberships and its invitations carry private metadata, so each has a core, a
 * Backend API and a Frontend API type (see common.ts). A membership embeds its organization in the form of
 * the API that answers, and the member's `public_user_data`, which never holds private data.
 */
import type { Metadata } from './common.js';

export type OrganizationInvitationStatus = 'pending' | 'accepted' | 'revoked' | 'expired';
export type OrganizationEnrollmentMode = 'manual_invitation' | 'automatic_invitation' | 'automatic_suggestion';

export interface OrganizationCoreJSON {
  object: 'organization';
  id: string;
  name: string;
  slug: string;
  image_url: string;
  has_image: boolean;
  /** Present when the request asked for counts. */
  members_count?: number;
  /** Present when the request asked for counts of a single organization. */
  pending_invitations_count?: number;
  max_allowed_memberships: number;
  admin_delete_enabled: boolean;
  public_metadata: Metadata;
  created_by: string;
  created_at: number;
  updated_at: number;
}

/** An organization as the Backend API shows it: private metadata included. */
export interface OrganizationJSON extends OrganizationCoreJSON {
  private_metadata: Metadata;
}

/** An organization as the Frontend API shows it: never the private metadata. */
export type FrontendOrganizationJSON = OrganizationCoreJSON & { private_metadata?: never };

/** The few public facts about an organization that invitations and domains embed. */
export interface PublicOrganizationDataJSON {
  id: string;
  name: string;
  slug: string;
  image_url: string;
  has_image: boolean;
}

/** What anyone who shares an organization with a user may see of them. */
export interface PublicUserDataJSON {
  user_id: string;
  first_name: string | null;
  last_name: string | null;
  profile_image_url: string;
  image_url: string;
  has_image: boolean;
  identifier: string;
  username: string | null;
  banned: boolean;
}

/** The inviter as an invitation shows them. */
export type PublicInviterDataJSON = Pick<PublicUserDataJSON, 'user_id' | 'first_name' | 'last_name' | 'image_url' | 'has_image' | 'identifier'>;

export interface OrganizationMembershipCoreJSON {
  object: 'organization_membership';
  id: string;
  role: string;
  role_name: string;
  permissions: string[];
  public_metadata: Metadata;
  public_user_data: PublicUserDataJSON;
  created_at: number;
  updated_at: number;
}

/** A membership as the Backend API shows it: its and its organization's private metadata included. */
export interface OrganizationMembershipJSON extends OrganizationMembershipCoreJSON {
  private_metadata: Metadata;
  organization: OrganizationJSON;
}

/** A membership as the Frontend API shows it: no private metadata, its own or its organization's. */
export type FrontendOrganizationMembershipJSON = OrganizationMembershipCoreJSON & { private_metadata?: never; organization: FrontendOrganizationJSON };

export interface OrganizationInvitationCoreJSON {
  object: 'organization_invitation';
  id: string;
  email_address: string;
  role: string;
  role_name: string;
  organization_id: string;
  inviter_id: string | null;
  public_inviter_data: PublicInviterDataJSON | null;
  status: OrganizationInvitationStatus;
  public_metadata: Metadata;
  /** The link that accepts the invitation, while it is pending. */
  url: string | null;
  expires_at: number | null;
  created_at: number;
  updated_at: number;
  public_organization_data: PublicOrganizationDataJSON | null;
}

/** An organization invitation as the Backend API shows it: private metadata included. */
export interface OrganizationInvitationJSON extends OrganizationInvitationCoreJSON {
  private_metadata: Metadata;
}

/** An organization invitation as the Frontend API shows it: never the private metadata. */
export type FrontendOrganizationInvitationJSON = OrganizationInvitationCoreJSON & { private_metadata?: never };

export interface OrganizationDomainVerificationJSON {
  status: string;
  strategy: string;
  attempts: number;
  expire_at: number | null;
  verified_at: number | null;
}

/** A verified domain; it carries no private data, so both APIs show the same. */
export interface OrganizationDomainJSON {
  object: 'organization_domain';
  id: string;
  organization_id: string;
  name: string;
  enrollment_mode: OrganizationEnrollmentMode;
  affiliation_email_address: string | null;
  verification: OrganizationDomainVerificationJSON | null;
  total_pending_invitations: number;
  total_pending_suggestions: number;
  public_organization_data: PublicOrganizationDataJSON | null;
  created_at: number;
  updated_at: number;
}

export interface PermissionJSON {
  object: 'permission';
  id: string;
  name: string;
  key: string;
  description: string;
  type: 'system' | 'user';
  created_at: number;
  updated_at: number;
}

export interface RoleJSON {
  object: 'role';
  id: string;
  name: string;
  key: string;
  description: string;
  is_creator_eligible: boolean;
  permissions: PermissionJSON[];
  created_at: number;
  updated_at: number;
}

export interface OrganizationSettingsJSON {
  object: 'organization_settings';
  enabled: boolean;
  max_allowed_memberships: number;
  max_allowed_roles: number;
  max_allowed_domains: number;
  max_allowed_permissions: number;
  creator_role: string;
  admin_delete_enabled: boolean;
  domains_enabled: boolean;
  slug_disabled: boolean;
  domains_enrollment_modes: string[];
  domains_default_role: string;
  /** Latch: the system roles are answered as `admin` and `basic_member` instead of `org:admin` and `org:member`. */
  legacy_role_keys: boolean;
}
