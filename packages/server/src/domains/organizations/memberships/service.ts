/**
 * Memberships of users in organizations.
 *
 * Every change to an organization's members runs in one transaction that first locks the organization
 * row, then reads the memberships, then changes them together with the row's `members_count` and
 * `admins_count` counters. The membership limit and the last-admin rule are conditional updates of
 * those counters, so concurrent requests serialize on the organization and cannot break either rule,
 * on SQLite and on PostgreSQL alike.
 */
import { type Metadata, newId } from '@latch/core';
import { ApiError, notFound } from '../../../errors.js';
import { transaction, type DialectName, type Db, type Executor, type Tx } from '../../../storage/database.js';
import { readJson } from '../../../storage/schema.js';
import { findUserSummary, publicProfiles, type PublicProfile } from '../../users/directory-repository.js';
import { nextMetadata, assertMetadataSize } from '../../metadata/metadata.js';
import * as organizationsRepo from '../organizations/repository.js';
import type { OrganizationRow } from '../organizations/repository.js';
import { lockOrganization, organizationOrThrow } from '../organizations/service.js';
import { ADMIN_ROLE, answeredRoleKey, type RolesService } from '../roles/service.js';
import { alreadyMember, lastAdmin, quotaExceeded, raceError } from '../shared.js';
import * as repo from './repository.js';
import type { MembershipEmbeds, MembershipListQuery, MembershipRow } from './repository.js';
import type { MembershipView } from './serialize.js';

export type { MembershipRow } from './repository.js';

export interface MembershipsServiceDeps {
  db: Db;
  dialect: DialectName;
  roles: RolesService;
  /** Whether the instance answers the system roles by their early names. */
  legacyRoleKeys: () => Promise<boolean>;
  now: () => number;
}

/** Public profiles of these users, by id. */
export async function publicProfilesById(ex: Executor, userIds: string[]): Promise<Map<string, PublicProfile>> {
  return new Map((await publicProfiles(ex, userIds)).map((p) => [p.id, p]));
}

export function createMembershipsService({ db, dialect, roles, legacyRoleKeys, now }: MembershipsServiceDeps) {
  /** Adds a member under the organization lock (the caller's); enforces the limit through the counter. */
  async function addMember(trx: Tx, org: OrganizationRow, userId: string, role: string, meta: { public?: Metadata; private?: Metadata } = {}): Promise<MembershipRow> {
    const user = await findUserSummary(trx, userId);
    if (!user) throw new ApiError({ code: 'resource_not_found', longMessage: 'User not found', paramName: 'user_id' });
    if (await repo.findMembership(trx, org.id, userId)) throw alreadyMember('The user is already a member of this organization.', 'user_id');
    if (!(await organizationsRepo.takeSeat(trx, org.id, role === ADMIN_ROLE))) throw quotaExceeded();
    const t = now();
    const row: MembershipRow = {
      id: newId('orgmem', t),
      organization_id: org.id,
      user_id: userId,
      role,
      public_metadata: JSON.stringify(meta.public ?? {}),
      private_metadata: JSON.stringify(meta.private ?? {}),
      created_at: t,
      updated_at: t,
    };
    await repo.insertMembership(trx, row);
    return row;
  }

  return {
    addMember,

    async addMembership(idOrSlug: string, input: { userId: string; role: string; publicMetadata?: Metadata | null; privateMetadata?: Metadata | null }): Promise<MembershipRow> {
      const org = await organizationOrThrow(db, idOrSlug);
      if (input.publicMetadata) assertMetadataSize('public_metadata', input.publicMetadata);
      if (input.privateMetadata) assertMetadataSize('private_metadata', input.privateMetadata);
      return transaction(db, async (trx) => {
        const locked = await lockOrganization(trx, org.id, now());
        const role = await roles.resolveRoleKey(trx, input.role);
        return addMember(trx, locked, input.userId, role, { public: input.publicMetadata ?? {}, private: input.privateMetadata ?? {} });
      }, raceError('membership'));
    },

    async updateMembershipRole(idOrSlug: string, userId: string, roleInput: string): Promise<MembershipRow> {
      const org = await organizationOrThrow(db, idOrSlug);
      return transaction(db, async (trx) => {
        await lockOrganization(trx, org.id, now());
        const role = await roles.resolveRoleKey(trx, roleInput);
        const m = await repo.findMembership(trx, org.id, userId);
        if (!m) throw notFound('Organization membership');
        const delta = (role === ADMIN_ROLE ? 1 : 0) - (m.role === ADMIN_ROLE ? 1 : 0);
        if (delta !== 0 && !(await organizationsRepo.shiftAdmins(trx, org.id, delta, true))) throw lastAdmin();
        const t = now();
        await repo.updateMembership(trx, m.id, { role, updated_at: t });
        return { ...m, role, updated_at: t };
      });
    },

    async updateMembershipMetadata(idOrSlug: string, userId: string, input: { publicMetadata?: Metadata | null; privateMetadata?: Metadata | null }): Promise<MembershipRow> {
      const org = await organizationOrThrow(db, idOrSlug);
      return transaction(db, async (trx) => {
        const m = await repo.lockMembership(trx, org.id, userId);
        if (!m) throw notFound('Organization membership');
        const patch: { public_metadata?: string; private_metadata?: string; updated_at: number } = { updated_at: now() };
        for (const [param, column, value] of [
          ['public_metadata', 'public_metadata', input.publicMetadata],
          ['private_metadata', 'private_metadata', input.privateMetadata],
        ] as const) {
          if (value === undefined) continue;
          patch[column] = JSON.stringify(nextMetadata(param, readJson<Metadata>(m[column]), value, 'merge'));
        }
        await repo.updateMembership(trx, m.id, patch);
        const updated = await repo.membershipById(trx, m.id);
        if (!updated) throw notFound('Organization membership');
        return updated;
      });
    },

    /** Removes a member under the organization lock; refuses to remove the last admin. */
    async removeMembership(idOrSlug: string, userId: string): Promise<MembershipRow> {
      const org = await organizationOrThrow(db, idOrSlug);
      return transaction(db, async (trx) => {
        await lockOrganization(trx, org.id, now());
        const m = await repo.findMembership(trx, org.id, userId);
        if (!m) throw notFound('Organization membership');
        const admin = m.role === ADMIN_ROLE;
        if (!(await organizationsRepo.freeSeat(trx, org.id, admin, true))) throw lastAdmin();
        await repo.deleteMembership(trx, m.id);
        return m;
      });
    },

    listMemberships(q: MembershipListQuery) {
      return repo.listMemberships(db, dialect, q);
    },

    /**
     * Before a user is deleted: their memberships go, counters follow, and an organization that would
     * lose its last admin gets its longest-standing remaining member promoted, so the rule still holds.
     */
    async detachUser(trx: Tx, userId: string): Promise<void> {
      for (const orgId of await repo.organizationIdsOfUser(trx, userId)) {
        const org = await lockOrganization(trx, orgId, now());
        const m = await repo.findMembership(trx, org.id, userId);
        if (!m) throw notFound('Organization membership');
        const admin = m.role === ADMIN_ROLE;
        if (admin && org.admins_count <= 1) {
          const heir = await repo.oldestOtherMember(trx, org.id, userId);
          if (heir) {
            await repo.updateMembership(trx, heir.id, { role: ADMIN_ROLE, updated_at: now() });
            await organizationsRepo.shiftAdmins(trx, org.id, 1, false);
          }
        }
        await organizationsRepo.freeSeat(trx, org.id, admin, false);
        await repo.deleteMembership(trx, m.id);
      }
    },

    /**
     * The memberships with what their answers embed: organization, member's public data, role. What the
     * caller already holds (the organization it looked up, what the page's statement read) is not read again.
     */
    async views(rows: MembershipRow[], known: { organization?: OrganizationRow; embeds?: MembershipEmbeds } = {}): Promise<MembershipView[]> {
      if (!rows.length) return [];
      const { organization, embeds } = known;
      const [orgs, users, roleInfo, legacy] = await Promise.all([
        organization && rows.every((r) => r.organization_id === organization.id)
          ? new Map([[organization.id, organization]])
          : organizationsRepo.organizationsByIds(db, rows.map((r) => r.organization_id)),
        embeds?.profiles ?? publicProfilesById(db, rows.map((r) => r.user_id)),
        embeds?.roles ?? roles.describeRoles(db, rows.map((r) => r.role)),
        legacyRoleKeys(),
      ]);
      return rows.flatMap((m) => {
        const organization = orgs.get(m.organization_id);
        return organization ? [{ membership: m, organization, user: users.get(m.user_id) ?? null, role: roleInfo.get(m.role), roleKey: answeredRoleKey(m.role, legacy) }] : [];
      });
    },
  };
}

export type MembershipsService = ReturnType<typeof createMembershipsService>;
