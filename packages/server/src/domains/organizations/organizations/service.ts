/**
 * Organizations: creation (with the creator as first member), profile, metadata, logo and deletion.
 *
 * A change that reads the row before writing it locks the row first, so concurrent updates of different
 * fields all survive; memberships serialize on the same lock (see memberships/service.ts).
 */
import { randomInt } from 'node:crypto';
import { type Metadata, newId } from '@latch/core';
import { ApiError, notFound } from '../../../errors.js';
import { transaction, type DialectName, type Db, type Executor, type Tx } from '../../../storage/database.js';
import { readJson } from '../../../storage/schema.js';
import type { InstanceService, OrganizationSettings } from '../../instance/service.js';
import { assertMetadataSize, nextMetadata } from '../../metadata/metadata.js';
import * as invitationsRepo from '../invitations/repository.js';
import type { MembershipsService } from '../memberships/service.js';
import { organizationsOfUsers } from '../memberships/repository.js';
import type { RolesService } from '../roles/service.js';
import { raceError, type Page } from '../shared.js';
import * as repo from './repository.js';
import type { OrganizationRow } from './repository.js';

export type { OrganizationRow } from './repository.js';

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

/** A URL-safe slug from a name: "Acme, Inc." → "acme-inc". */
export function slugify(name: string): string {
  const s = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/g, '');
  return s || 'org';
}

function searchText(o: Pick<OrganizationRow, 'id' | 'name' | 'slug'>): string {
  return [o.id, o.name, o.slug].join('\n').toLowerCase();
}

/** The organization an id or slug names; 404 when there is none. */
export async function organizationOrThrow(ex: Executor, idOrSlug: string): Promise<OrganizationRow> {
  const o = await repo.findOrganization(ex, idOrSlug);
  if (!o) throw notFound('Organization');
  return o;
}

/** Locks the organization row for the rest of the transaction; 404 when there is none. */
export async function lockOrganization(tx: Tx, id: string, t: number): Promise<OrganizationRow> {
  const o = await repo.lockOrganizationRow(tx, id, t);
  if (!o) throw notFound('Organization');
  return o;
}

export interface CreateOrganizationInput {
  name: string;
  slug?: string | null;
  createdBy?: string | null;
  maxAllowedMemberships?: number | null;
  publicMetadata?: Metadata | null;
  privateMetadata?: Metadata | null;
  createdAt?: number | null;
  /**
   * The creator is a user creating it themselves (the Frontend API): their `create_organization_enabled`
   * and `create_organizations_limit` apply, counted under a lock on the user.
   */
  selfServe?: boolean;
}

export interface UpdateOrganizationInput {
  name?: string;
  slug?: string | null;
  maxAllowedMemberships?: number | null;
  adminDeleteEnabled?: boolean | null;
  publicMetadata?: Metadata | null;
  privateMetadata?: Metadata | null;
  createdAt?: number | null;
}

export interface OrganizationListInput extends Page {
  query?: string;
  userIds?: string[];
  organizationIds?: string[];
  orderBy: 'created_at' | 'name' | 'members_count';
  direction: 'asc' | 'desc';
}

export interface OrganizationServiceDeps {
  db: Db;
  dialect: DialectName;
  instance: InstanceService;
  roles: RolesService;
  memberships: MembershipsService;
  now: () => number;
}

export function createOrganizationService({ db, dialect, instance, roles, memberships, now }: OrganizationServiceDeps) {
  async function settings(): Promise<OrganizationSettings> {
    return (await instance.settings()).organizations;
  }

  const get = (idOrSlug: string) => organizationOrThrow(db, idOrSlug);

  /** A user may create one more organization (their row stays locked, so concurrent creates count in turn). */
  async function assertMayCreate(trx: Tx, userId: string): Promise<void> {
    const creator = await repo.lockCreator(trx, userId);
    if (!creator) throw new ApiError({ code: 'resource_not_found', longMessage: 'The creating user does not exist.', paramName: 'created_by' });
    if (!creator.create_organization_enabled) throw new ApiError({ code: 'not_allowed_access', longMessage: 'You are not allowed to create organizations.' });
    const limit = creator.create_organizations_limit;
    if (limit && (await repo.countCreatedBy(trx, userId)) >= limit) {
      throw new ApiError({ code: 'not_allowed_access', longMessage: `You have reached the limit of ${limit} organizations you can create.`, meta: { limit } });
    }
  }

  return {
    async create(input: CreateOrganizationInput): Promise<OrganizationRow> {
      const s = await settings();
      if (!s.enabled) throw new ApiError({ code: 'form_param_value_invalid', longMessage: 'Organizations are disabled on this instance.' });
      const name = input.name.trim();
      if (!name) throw new ApiError({ code: 'form_param_missing', longMessage: 'name must not be empty.', paramName: 'name' });
      if (input.slug !== undefined && input.slug !== null && !SLUG.test(input.slug)) {
        throw new ApiError({ code: 'form_param_format_invalid', longMessage: 'slug may contain only lowercase letters, digits and dashes, and cannot start or end with a dash.', paramName: 'slug' });
      }
      const publicMetadata = input.publicMetadata ?? {};
      const privateMetadata = input.privateMetadata ?? {};
      assertMetadataSize('public_metadata', publicMetadata);
      assertMetadataSize('private_metadata', privateMetadata);
      const max = input.maxAllowedMemberships ?? s.max_allowed_memberships;
      const t = now();
      const createdAt = input.createdAt ?? t;
      const id = newId('org', createdAt);
      let slug = input.slug ?? slugify(name);
      const suffixed = () => `${slugify(name)}-${randomInt(36 ** 4).toString(36).padStart(4, '0')}`;
      if (!input.slug) {
        // A generated slug that is taken gets a short random suffix.
        for (let i = 0; i < 5 && (await repo.findOrganization(db, slug)); i++) slug = suffixed();
      }
      const insert = (slug: string) =>
        transaction(
          db,
          async (trx) => {
            const row: OrganizationRow = {
              id,
              name,
              slug,
              image_id: null,
              created_by: input.createdBy ?? null,
              max_allowed_memberships: max,
              admin_delete_enabled: s.admin_delete_enabled ? 1 : 0,
              public_metadata: JSON.stringify(publicMetadata),
              private_metadata: JSON.stringify(privateMetadata),
              members_count: 0,
              admins_count: 0,
              search_text: '',
              created_at: createdAt,
              updated_at: t,
            };
            row.search_text = searchText(row);
            if (input.createdBy && input.selfServe) await assertMayCreate(trx, input.createdBy);
            await repo.insertOrganization(trx, row);
            if (input.createdBy) {
              const creatorRole = await roles.resolveRoleKey(trx, s.creator_role, 'created_by');
              await memberships.addMember(trx, row, input.createdBy, creatorRole);
            }
          },
          raceError('slug'),
        );
      // A generated slug can still be taken between the check and the insert by a concurrent create of the
      // same name: then it is generated again (a given slug that is taken is the caller's error).
      for (let attempt = 0; ; attempt++) {
        try {
          await insert(slug);
          return get(id);
        } catch (err) {
          const slugLost = err instanceof ApiError && err.details[0]?.code === 'form_identifier_exists' && err.details[0].paramName === 'slug';
          if (input.slug || attempt >= 5 || !slugLost) throw err;
          slug = suffixed();
        }
      }
    },

    get,

    pendingInvitationsCount(orgId: string): Promise<number> {
      return invitationsRepo.countPending(db, orgId, now());
    },

    list(q: OrganizationListInput) {
      return repo.listOrganizations(db, dialect, {
        query: q.query,
        organizationIds: q.organizationIds,
        within: q.userIds?.length ? organizationsOfUsers(db, q.userIds) : undefined,
        orderBy: q.orderBy,
        direction: q.direction,
        limit: q.limit,
        offset: q.offset,
      });
    },

    async update(idOrSlug: string, input: UpdateOrganizationInput): Promise<OrganizationRow> {
      const org = await get(idOrSlug);
      if (input.slug !== undefined && input.slug !== null && !SLUG.test(input.slug)) {
        throw new ApiError({ code: 'form_param_format_invalid', longMessage: 'slug may contain only lowercase letters, digits and dashes.', paramName: 'slug' });
      }
      if (input.name !== undefined && !input.name.trim()) throw new ApiError({ code: 'form_param_missing', longMessage: 'name must not be empty.', paramName: 'name' });
      if (input.publicMetadata) assertMetadataSize('public_metadata', input.publicMetadata);
      if (input.privateMetadata) assertMetadataSize('private_metadata', input.privateMetadata);
      if (input.maxAllowedMemberships !== undefined && input.maxAllowedMemberships !== null && input.maxAllowedMemberships < 0) {
        throw new ApiError({ code: 'form_param_value_invalid', longMessage: 'max_allowed_memberships must be 0 (no limit) or more.', paramName: 'max_allowed_memberships' });
      }
      // Name and slug not given keep their stored values, and search_text is computed from both: the
      // row is locked before it is read, so concurrent updates of different fields all survive.
      await transaction(db, async (trx) => {
        const locked = await lockOrganization(trx, org.id, now());
        const next = { ...locked, name: input.name?.trim() ?? locked.name, slug: input.slug ?? locked.slug };
        await repo.updateOrganization(trx, org.id, {
          name: next.name,
          slug: next.slug,
          search_text: searchText(next),
          ...(input.maxAllowedMemberships !== undefined && input.maxAllowedMemberships !== null ? { max_allowed_memberships: input.maxAllowedMemberships } : {}),
          ...(input.adminDeleteEnabled !== undefined && input.adminDeleteEnabled !== null ? { admin_delete_enabled: input.adminDeleteEnabled ? 1 : 0 } : {}),
          ...(input.publicMetadata !== undefined ? { public_metadata: JSON.stringify(input.publicMetadata ?? {}) } : {}),
          ...(input.privateMetadata !== undefined ? { private_metadata: JSON.stringify(input.privateMetadata ?? {}) } : {}),
          ...(input.createdAt ? { created_at: input.createdAt } : {}),
          updated_at: now(),
        });
      }, raceError('slug'));
      return get(org.id);
    },

    async writeMetadata(idOrSlug: string, input: { publicMetadata?: Metadata | null; privateMetadata?: Metadata | null }, replace: boolean): Promise<OrganizationRow> {
      const org = await get(idOrSlug);
      await transaction(db, async (trx) => {
        const locked = await lockOrganization(trx, org.id, now());
        const patch: { public_metadata?: string; private_metadata?: string } = {};
        for (const [param, column, value] of [
          ['public_metadata', 'public_metadata', input.publicMetadata],
          ['private_metadata', 'private_metadata', input.privateMetadata],
        ] as const) {
          if (value === undefined) continue;
          patch[column] = JSON.stringify(nextMetadata(param, readJson<Metadata>(locked[column]), value, replace ? 'replace' : 'merge'));
        }
        await repo.updateOrganization(trx, org.id, patch);
      });
      return get(org.id);
    },

    async delete(idOrSlug: string): Promise<string> {
      const org = await get(idOrSlug);
      await transaction(db, (trx) => repo.deleteOrganization(trx, org.id));
      return org.id;
    },

    async setLogo(idOrSlug: string, image: { bytes: Uint8Array; contentType: string } | null): Promise<OrganizationRow> {
      const org = await get(idOrSlug);
      const t = now();
      await transaction(db, async (trx) => {
        const locked = await lockOrganization(trx, org.id, t);
        let imageId: string | null = null;
        if (image) {
          imageId = newId('img', t);
          await repo.insertLogo(trx, { id: imageId, ownerId: org.id, contentType: image.contentType, bytes: image.bytes, createdAt: t });
        }
        await repo.updateOrganization(trx, org.id, { image_id: imageId });
        if (locked.image_id) await repo.deleteLogo(trx, locked.image_id);
      });
      return get(org.id);
    },
  };
}

export type OrganizationService = ReturnType<typeof createOrganizationService>;
