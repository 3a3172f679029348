import { describe, expect, it } from 'vitest';
import type {
  FrontendOrganizationInvitationJSON,
  FrontendOrganizationJSON,
  FrontendOrganizationMembershipJSON,
  FrontendUserJSON,
  OrganizationCoreJSON,
  OrganizationInvitationCoreJSON,
  OrganizationInvitationJSON,
  OrganizationJSON,
  OrganizationMembershipCoreJSON,
  OrganizationMembershipJSON,
  UserCoreJSON,
  UserJSON,
} from '../index.js';

/**
 * The frontend types exist so that private data cannot reach a browser by accident. These checks run in
 * the type checker (`tsc -b` compiles the tests): each `@ts-expect-error` fails the build if the line below
 * it ever compiles.
 */
describe('frontend wire types', () => {
  it('reject a backend object and a private field', () => {
    const backend = { public_metadata: {}, private_metadata: { secret: 1 } } as unknown as UserJSON;
    const core = { public_metadata: {} } as UserCoreJSON;
    const fine: FrontendUserJSON = core;
    // @ts-expect-error a Backend API user carries private_metadata, which the frontend type forbids
    const leaked: FrontendUserJSON = backend;
    // @ts-expect-error private_metadata cannot be set on a frontend user
    const spelled: FrontendUserJSON = { ...core, private_metadata: {} };
    expect([fine, leaked, spelled].length).toBe(3);
  });
});

describe('frontend organization wire types', () => {
  it('reject a backend organization and a private field', () => {
    const backend = { public_metadata: {}, private_metadata: { secret: 1 } } as unknown as OrganizationJSON;
    const core = { public_metadata: {} } as OrganizationCoreJSON;
    const fine: FrontendOrganizationJSON = core;
    // @ts-expect-error a Backend API organization carries private_metadata, which the frontend type forbids
    const leaked: FrontendOrganizationJSON = backend;
    // @ts-expect-error private_metadata cannot be set on a frontend organization
    const spelled: FrontendOrganizationJSON = { ...core, private_metadata: {} };
    expect([fine, leaked, spelled].length).toBe(3);
  });

  it('reject a backend membership, a private field and a backend organization inside a membership', () => {
    const backend = { public_metadata: {}, private_metadata: { secret: 1 } } as unknown as OrganizationMembershipJSON;
    const core = { public_metadata: {} } as OrganizationMembershipCoreJSON;
    const organization = { public_metadata: {} } as FrontendOrganizationJSON;
    const fine: FrontendOrganizationMembershipJSON = { ...core, organization };
    // @ts-expect-error a Backend API membership carries private_metadata, which the frontend type forbids
    const leaked: FrontendOrganizationMembershipJSON = backend;
    // @ts-expect-error private_metadata cannot be set on a frontend membership
    const spelled: FrontendOrganizationMembershipJSON = { ...core, organization, private_metadata: {} };
    // @ts-expect-error the embedded organization must be the frontend one too
    const nested: FrontendOrganizationMembershipJSON = { ...core, organization: backend.organization };
    expect([fine, leaked, spelled, nested].length).toBe(4);
  });

  it('reject a backend invitation and a private field', () => {
    const backend = { public_metadata: {}, private_metadata: { secret: 1 } } as unknown as OrganizationInvitationJSON;
    const core = { public_metadata: {} } as OrganizationInvitationCoreJSON;
    const fine: FrontendOrganizationInvitationJSON = core;
    // @ts-expect-error a Backend API invitation carries private_metadata, which the frontend type forbids
    const leaked: FrontendOrganizationInvitationJSON = backend;
    // @ts-expect-error private_metadata cannot be set on a frontend invitation
    const spelled: FrontendOrganizationInvitationJSON = { ...core, private_metadata: {} };
    expect([fine, leaked, spelled].length).toBe(3);
  });
});
