/**
 * The organization serializers: the Backend API forms carry private metadata, the Frontend API forms
 * never do (nested organizations included), and a member's public data holds only public fields. The
 * wire types in @latch/core and the response schemas of the OpenAPI document describe the same objects.
 */
import type { OrganizationDomainJSON, OrganizationInvitationJSON, OrganizationJSON, OrganizationMembershipJSON, PermissionJSON, RoleJSON } from '@latch/core';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import type { PublicProfile } from '../users/directory-repository.js';
import type { DomainSchema } from './domains/serialize.js';
import type { OrgInvitationRow } from './invitations/repository.js';
import { frontendInvitationJSON, invitationJSON, OrgInvitationSchema } from './invitations/serialize.js';
import type { MembershipRow } from './memberships/repository.js';
import { frontendMembershipJSON, membershipJSON, MembershipSchema } from './memberships/serialize.js';
import type { OrganizationRow } from './organizations/repository.js';
import { frontendOrganizationJSON, organizationJSON, OrganizationSchema } from './organizations/serialize.js';
import type { PermissionSchema, RoleSchema } from './roles/serialize.js';

const URL = 'https://auth.example.test';
const secret = JSON.stringify({ secret: 'do not leak' });

const org: OrganizationRow = {
  id: 'org_1',
  name: 'Acme',
  slug: 'acme',
  image_id: null,
  created_by: 'user_1',
  max_allowed_memberships: 0,
  admin_delete_enabled: 1,
  public_metadata: JSON.stringify({ plan: 'pro' }),
  private_metadata: secret,
  members_count: 1,
  admins_count: 1,
  search_text: 'org_1\nacme\nacme',
  created_at: 1,
  updated_at: 2,
};

const membership: MembershipRow = {
  id: 'orgmem_1',
  organization_id: org.id,
  user_id: 'user_1',
  role: 'org:admin',
  public_metadata: '{}',
  private_metadata: secret,
  created_at: 1,
  updated_at: 2,
};

const invitation: OrgInvitationRow = {
  id: 'orginv_1',
  organization_id: org.id,
  email_address: 'Ann@Acme.test',
  normalized: 'ann@acme.test',
  role: 'org:member',
  inviter_user_id: 'user_1',
  public_metadata: '{}',
  private_metadata: secret,
  redirect_url: null,
  status: 'pending',
  source: 'manual',
  expires_at: 10,
  accepted_at: null,
  accepted_user_id: null,
  revoked_at: null,
  created_at: 1,
  updated_at: 2,
};

// A profile with more than it should show: nothing beyond the public fields may reach the answer.
const profile = { id: 'user_1', first_name: 'Ann', last_name: null, image_id: null, username: 'ann', banned: false, email: 'ann@acme.test', phone: null, private_metadata: secret } as PublicProfile;

describe('organization serializers', () => {
  it('give the Backend API private metadata and keep it from the Frontend API', () => {
    expect(organizationJSON(org, URL).private_metadata).toEqual({ secret: 'do not leak' });
    OrganizationSchema.parse(organizationJSON(org, URL, { membersCount: 1, pendingInvitationsCount: 0 }));
    expect(JSON.stringify(frontendOrganizationJSON(org, URL))).not.toContain('do not leak');
    expect(frontendOrganizationJSON(org, URL)).not.toHaveProperty('private_metadata');
  });

  it('keep private metadata out of a frontend membership, its organization and its public user data', () => {
    const view = { membership, organization: org, user: profile, role: { name: 'Admin', permissions: ['org:sys_profile:manage'] } };
    const backend = membershipJSON(view, URL);
    MembershipSchema.parse(backend);
    expect(backend.private_metadata).toEqual({ secret: 'do not leak' });
    expect(backend.organization.private_metadata).toEqual({ secret: 'do not leak' });
    expect(Object.keys(backend.public_user_data).sort()).toEqual(['banned', 'first_name', 'has_image', 'identifier', 'image_url', 'last_name', 'profile_image_url', 'user_id', 'username']);
    const frontend = frontendMembershipJSON(view, URL);
    expect(JSON.stringify(frontend)).not.toContain('do not leak');
    expect(frontend.public_user_data).toEqual(backend.public_user_data);
  });

  it('keep private metadata out of a frontend invitation and its inviter data', () => {
    const view = { invitation, organization: org, inviter: profile, roleName: 'Member', status: 'pending' as const, url: `${URL}/tickets/accept?ticket=t` };
    const backend = invitationJSON(view, URL);
    OrgInvitationSchema.parse(backend);
    expect(backend.private_metadata).toEqual({ secret: 'do not leak' });
    expect(JSON.stringify(backend.public_inviter_data)).not.toContain('do not leak');
    expect(JSON.stringify(frontendInvitationJSON(view, URL))).not.toContain('do not leak');
  });

  it('wire types and response schemas describe the same objects', () => {
    expectTypeOf<OrganizationJSON>().toExtend<z.output<typeof OrganizationSchema>>();
    expectTypeOf<OrganizationMembershipJSON>().toExtend<z.output<typeof MembershipSchema>>();
    expectTypeOf<OrganizationInvitationJSON>().toExtend<z.output<typeof OrgInvitationSchema>>();
    expectTypeOf<OrganizationDomainJSON>().toExtend<z.output<typeof DomainSchema>>();
    expectTypeOf<RoleJSON>().toExtend<z.output<typeof RoleSchema>>();
    expectTypeOf<PermissionJSON>().toExtend<z.output<typeof PermissionSchema>>();
  });
});
