/**
 * Organizations, their memberships, invitations and verified domains.
 *
 * Every change to an organization's members runs in one transaction that first locks the organization
 * row, then reads the memberships, then changes them together with the row's `members_count` and
 * `admins_count` counters. The membership limit and the last-admin rule are conditional updates of
 * those counters, so concurrent requests serialize on the organization and cannot break either rule,
 * on SQLite and on PostgreSQL alike.
 */
import { emailAddressesOf, findUserSummary, hasVerifiedEmail, ownerOfIdentifier } from '../users/directory-repository.js';
import { effectiveInvitationStatus, type InvitationStatus } from '../invitations/status.js';
import { randomInt } from 'node:crypto';
import { type Metadata, newId } from '@latch/core';
import { sql, type Kysely, type Selectable } from 'kysely';
import { digestsEqual, hashSecret } from '../../crypto/tokens.js';
import { ApiError, notFound } from '../../errors.js';
import { forUpdate, uniqueViolation, type DialectName, containsPattern, transaction, type Db, type Tx } from '../../storage/database.js';
import type {
  Database,
  EnrollmentMode,
  OrganizationDomainTable,
  OrganizationInvitationTable,
  OrganizationMembershipTable,
  OrganizationTable,
} from '../../storage/schema.js';
import { readJson } from '../../storage/schema.js';
import { normalizeEmail } from '../identifiers/normalize.js';
import type { InstanceService, OrganizationSettings } from '../instance/service.js';
import type { MessagingService } from '../messages/service.js';
import { assertMetadataSize, nextMetadata } from '../metadata/metadata.js';
import { signTicket, verifyTicket } from '../invitations/tickets.js';
import { type UserFilter, filterUserIds } from '../users/repository.js';
import { ADMIN_ROLE, type RolesService } from './roles.js';
import { PUBLIC_EMAIL_DOMAINS } from './public-domains.js';

export type OrganizationRow = Selectable<OrganizationTable>;
export type MembershipRow = Selectable<OrganizationMembershipTable>;
export type OrgInvitationRow = Selectable<OrganizationInvitationTable>;
export type DomainRow = Selectable<OrganizationDomainTable>;
export type OrgInvitationStatus = InvitationStatus;

const DAY = 86_400_000;
const CODE_TTL = 10 * 60_000;
const MAX_CODE_ATTEMPTS = 5;
const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const DOMAIN = /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

function lastAdmin(): ApiError {
  return new ApiError({
    code: 'organization_minimum_permissions_needed',
    longMessage: 'There has to be at least one member with the administrator role: this change would leave the organization without one.',
    paramName: 'role',
  });
}

function quotaExceeded(): ApiError {
  return new ApiError({ code: 'organization_membership_quota_exceeded', longMessage: 'The organization has reached its maximum number of memberships.' });
}

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

function likeOf(q: string): string {
  return containsPattern(q.toLowerCase());
}

export interface CreateOrganizationInput {
  name: string;
  slug?: string | null;
  createdBy?: string | null;
  maxAllowedMemberships?: number | null;
  publicMetadata?: Metadata | null;
  privateMetadata?: Metadata | null;
  createdAt?: number | null;
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

export interface OrgInvitationInput {
  emailAddress: string;
  role: string;
  inviterUserId?: string | null;
  publicMetadata?: Metadata | null;
  privateMetadata?: Metadata | null;
  redirectUrl?: string | null;
  expiresInDays?: number | null;
  notify?: boolean | null;
}

export interface Page {
  limit: number;
  offset: number;
}

export interface OrganizationsDeps {
  db: Db;
  dialect: DialectName;
  instance: InstanceService;
  roles: RolesService;
  messaging: MessagingService;
  publicUrl: string;
  ticketSecret: Buffer;
  now?: () => number;
}

export function createOrganizationsService({ db, dialect, instance, roles, messaging, publicUrl, ticketSecret, now = Date.now }: OrganizationsDeps) {
  const TICKET_LABEL = 'organization_invitation';

  async function settings(): Promise<OrganizationSettings> {
    return (await instance.settings()).organizations;
  }

  /** Locks the organization row for the rest of the transaction (PostgreSQL row lock; SQLite's writer lock). */
  async function lockOrg(trx: Tx, orgId: string): Promise<OrganizationRow> {
    const row = await trx.updateTable('organizations').set({ updated_at: now() }).where('id', '=', orgId).returningAll().executeTakeFirst();
    if (!row) throw notFound('Organization');
    return row;
  }

  async function findOrg(conn: Kysely<Database>, idOrSlug: string): Promise<OrganizationRow | undefined> {
    return conn.selectFrom('organizations').selectAll().where((eb) => eb.or([eb('id', '=', idOrSlug), eb('slug', '=', idOrSlug)])).executeTakeFirst();
  }

  async function getOrgOrThrow(conn: Kysely<Database>, idOrSlug: string): Promise<OrganizationRow> {
    const o = await findOrg(conn, idOrSlug);
    if (!o) throw notFound('Organization');
    return o;
  }

  /** Adds a member under the organization lock; enforces the limit through the counter. */
  async function addMember(trx: Tx, org: OrganizationRow, userId: string, role: string, meta: { public?: Metadata; private?: Metadata } = {}): Promise<MembershipRow> {
    const user = await findUserSummary(trx, userId);
    if (!user) throw new ApiError({ code: 'resource_not_found', longMessage: 'User not found', paramName: 'user_id' });
    const existing = await trx.selectFrom('organization_memberships').select('id').where('organization_id', '=', org.id).where('user_id', '=', userId).executeTakeFirst();
    if (existing) throw new ApiError({ code: 'already_a_member_in_organization', longMessage: 'The user is already a member of this organization.', paramName: 'user_id' });
    const isAdmin = role === ADMIN_ROLE ? 1 : 0;
    const bumped = await trx
      .updateTable('organizations')
      .set((eb) => ({ members_count: eb('members_count', '+', 1), admins_count: eb('admins_count', '+', isAdmin) }))
      .where('id', '=', org.id)
      .where((eb) => eb.or([eb('max_allowed_memberships', '=', 0), eb('members_count', '<', eb.ref('max_allowed_memberships'))]))
      .executeTakeFirst();
    if (Number(bumped.numUpdatedRows) !== 1) throw quotaExceeded();
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
    await trx.insertInto('organization_memberships').values(row as never).execute();
    return row;
  }

  /** Removes a member under the organization lock; refuses to remove the last admin. */
  async function removeMember(trx: Tx, orgId: string, userId: string): Promise<MembershipRow> {
    const m = await trx.selectFrom('organization_memberships').selectAll().where('organization_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst();
    if (!m) throw notFound('Organization membership');
    const isAdmin = m.role === ADMIN_ROLE ? 1 : 0;
    const r = await trx
      .updateTable('organizations')
      .set((eb) => ({ members_count: eb('members_count', '-', 1), admins_count: eb('admins_count', '-', isAdmin) }))
      .where('id', '=', orgId)
      .where((eb) => (isAdmin ? eb('admins_count', '>', 1) : sql<boolean>`1 = 1`))
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw lastAdmin();
    await trx.deleteFrom('organization_memberships').where('id', '=', m.id).execute();
    return m;
  }

  function orgInvitationStatus(row: OrgInvitationRow, t = now()): OrgInvitationStatus {
    return effectiveInvitationStatus(row, t);
  }

  function orgInvitationUrl(row: OrgInvitationRow): string {
    return `${publicUrl}/tickets/accept?ticket=${encodeURIComponent(signTicket(ticketSecret, row.id, TICKET_LABEL))}`;
  }

  async function insertInvitation(trx: Tx, org: OrganizationRow, input: OrgInvitationInput, source: 'manual' | 'domain', t: number): Promise<OrgInvitationRow> {
    const normalized = normalizeEmail(input.emailAddress);
    if (!normalized) throw new ApiError({ code: 'form_param_format_invalid', longMessage: `${input.emailAddress} is not a valid email address.`, paramName: 'email_address' });
    const role = await roles.resolveRoleKey(trx, input.role);
    const days = input.expiresInDays ?? 30;
    if (!Number.isInteger(days) || days < 1 || days > 365) {
      throw new ApiError({ code: 'form_param_value_invalid', longMessage: 'expires_in_days must be a whole number from 1 to 365.', paramName: 'expires_in_days' });
    }
    const publicMetadata = input.publicMetadata ?? {};
    const privateMetadata = input.privateMetadata ?? {};
    assertMetadataSize('public_metadata', publicMetadata);
    assertMetadataSize('private_metadata', privateMetadata);
    let redirect: string | null = null;
    if (input.redirectUrl) {
      try {
        const u = new URL(input.redirectUrl);
        if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
        redirect = u.toString();
      } catch {
        throw new ApiError({ code: 'form_param_format_invalid', longMessage: 'redirect_url must be an absolute http(s) URL.', paramName: 'redirect_url' });
      }
    }
    let inviterName: string | null = null;
    if (input.inviterUserId) {
      const inviter = await findUserSummary(trx, input.inviterUserId);
      if (!inviter) throw new ApiError({ code: 'resource_not_found', longMessage: 'The inviter does not exist.', paramName: 'inviter_user_id' });
      inviterName = [inviter.first_name, inviter.last_name].filter(Boolean).join(' ') || null;
    }
    const member = await trx
      .selectFrom('organization_memberships as m')
      .innerJoin('identifications as i', 'i.user_id', 'm.user_id')
      .select('m.id')
      .where('m.organization_id', '=', org.id)
      .where('i.type', '=', 'email_address')
      .where('i.normalized', '=', normalized)
      .executeTakeFirst();
    if (member) throw new ApiError({ code: 'already_a_member_in_organization', longMessage: `${input.emailAddress} is already a member of this organization.`, paramName: 'email_address' });
    await trx
      .updateTable('organization_invitations')
      .set({ status: 'expired', updated_at: t })
      .where('organization_id', '=', org.id)
      .where('normalized', '=', normalized)
      .where('status', '=', 'pending')
      .where('expires_at', '<=', t)
      .execute();
    const pending = await trx
      .selectFrom('organization_invitations')
      .select('id')
      .where('organization_id', '=', org.id)
      .where('normalized', '=', normalized)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (pending) {
      throw new ApiError({ code: 'duplicate_record', longMessage: `There is already a pending invitation for ${input.emailAddress}.`, paramName: 'email_address' });
    }
    const row: OrgInvitationRow = {
      id: newId('orginv', t),
      organization_id: org.id,
      email_address: input.emailAddress.trim(),
      normalized,
      role,
      inviter_user_id: input.inviterUserId ?? null,
      public_metadata: JSON.stringify(publicMetadata),
      private_metadata: JSON.stringify(privateMetadata),
      redirect_url: redirect,
      status: 'pending',
      source,
      expires_at: t + days * DAY,
      accepted_at: null,
      accepted_user_id: null,
      revoked_at: null,
      created_at: t,
      updated_at: t,
    };
    await trx.insertInto('organization_invitations').values(row as never).execute();
    if (input.notify !== false && source === 'manual') {
      await messaging.enqueueTemplated(trx, {
        type: 'email',
        slug: 'organization_invitation',
        to: normalized,
        data: {
          action_url: orgInvitationUrl(row),
          org: { name: org.name },
          inviter_name: inviterName ?? org.name,
          expires_at: new Date(row.expires_at as number).toUTCString(),
        },
      });
    }
    return row;
  }

  /** The coded error for the unique index a write of `what` ran into (a concurrent write won the race). */
  function raceError(what: 'invitation' | 'slug' | 'domain' | 'membership'): () => ApiError {
    return () => {
      if (what === 'slug') return new ApiError({ code: 'form_identifier_exists', longMessage: 'That slug is taken. Please try another.', paramName: 'slug' });
      if (what === 'domain') return new ApiError({ code: 'organization_domain_exists_for_instance', longMessage: 'That domain belongs to an organization already.', paramName: 'name' });
      if (what === 'membership') return new ApiError({ code: 'already_a_member_in_organization', longMessage: 'The user is already a member of this organization.', paramName: 'user_id' });
      return new ApiError({ code: 'duplicate_record', longMessage: 'There is already a pending invitation for that address.', paramName: 'email_address' });
    };
  }


  /** Invites or suggests every user whose verified e-mail is at a verified automatic domain. */
  // `defaultRole` is read before the caller's transaction: on SQLite a read outside it would wait forever.
  async function enrollForDomain(trx: Tx, domain: DomainRow, defaultRole: string): Promise<void> {
    if (!domain.verified || domain.enrollment_mode === 'manual_invitation') return;
    const org = await getOrgOrThrow(trx, domain.organization_id);
    const domains_default_role = defaultRole;
    const candidates = await trx
      .selectFrom('identifications as i')
      .select(['i.user_id', 'i.normalized'])
      .where('i.type', '=', 'email_address')
      .where('i.status', '=', 'verified')
      .where('i.normalized', 'like', `%@${domain.name}`)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('organization_memberships as m').select('m.id').where('m.organization_id', '=', org.id).whereRef('m.user_id', '=', 'i.user_id'))))
      .execute();
    const t = now();
    const seen = new Set<string>();
    for (const c of candidates) {
      if (!c.normalized.endsWith(`@${domain.name}`) || seen.has(c.user_id)) continue;
      seen.add(c.user_id);
      if (domain.enrollment_mode === 'automatic_invitation') {
        const pending = await trx
          .selectFrom('organization_invitations')
          .select('id')
          .where('organization_id', '=', org.id)
          .where('normalized', '=', c.normalized)
          .where('status', '=', 'pending')
          .executeTakeFirst();
        if (!pending) await insertInvitation(trx, org, { emailAddress: c.normalized, role: domains_default_role, notify: false }, 'domain', t);
      } else {
        await trx
          .insertInto('organization_suggestions')
          .values({ id: newId('orgsugg', t), organization_id: org.id, user_id: c.user_id, domain_id: domain.id, status: 'pending', created_at: t, updated_at: t })
          .onConflict((oc) => oc.columns(['organization_id', 'user_id']).doNothing())
          .execute();
      }
    }
  }

  /** The domain for a read-modify-write (its code attempts, its verification): locked until the transaction ends. */
  async function lockDomain(trx: Tx, orgId: string, domainId: string): Promise<DomainRow> {
    const d = await trx.selectFrom('organization_domains').selectAll().where('id', '=', domainId).where('organization_id', '=', orgId).$call(forUpdate(trx)).executeTakeFirst();
    if (!d) throw notFound('Organization domain');
    return d;
  }

  async function domainOrThrow(conn: Kysely<Database>, orgId: string, domainId: string): Promise<DomainRow> {
    const d = await conn.selectFrom('organization_domains').selectAll().where('id', '=', domainId).where('organization_id', '=', orgId).executeTakeFirst();
    if (!d) throw notFound('Organization domain');
    return d;
  }

  return {
    settings,
    orgInvitationStatus,
    orgInvitationUrl,

    // ---- organizations ----

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
        for (let i = 0; i < 5 && (await findOrg(db, slug)); i++) slug = suffixed();
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
            await trx.insertInto('organizations').values(row as never).execute();
            if (input.createdBy) {
              const creatorRole = await roles.resolveRoleKey(trx, s.creator_role, 'created_by');
              await addMember(trx, row, input.createdBy, creatorRole);
            }
          },
          raceError('slug'),
        );
      // A generated slug can still be taken between the check and the insert by a concurrent create of the
      // same name: then it is generated again (a given slug that is taken is the caller's error).
      for (let attempt = 0; ; attempt++) {
        try {
          await insert(slug);
          return getOrgOrThrow(db, id);
        } catch (err) {
          const slugLost = err instanceof ApiError && err.details[0]?.code === 'form_identifier_exists' && err.details[0].paramName === 'slug';
          if (input.slug || attempt >= 5 || !slugLost) throw err;
          slug = suffixed();
        }
      }
    },

    get: (idOrSlug: string) => getOrgOrThrow(db, idOrSlug),

    async pendingInvitationsCount(orgId: string): Promise<number> {
      const r = await db
        .selectFrom('organization_invitations')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('organization_id', '=', orgId)
        .where('status', '=', 'pending')
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now())]))
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },

    async list(q: { query?: string; userIds?: string[]; organizationIds?: string[]; orderBy: 'created_at' | 'name' | 'members_count'; direction: 'asc' | 'desc' } & Page) {
      let base = db.selectFrom('organizations');
      if (q.query) base = base.where(sql<boolean>`search_text LIKE ${likeOf(q.query)} ESCAPE '\\'`);
      if (q.organizationIds?.length) base = base.where('id', 'in', q.organizationIds);
      if (q.userIds?.length) {
        const ids = q.userIds;
        base = base.where((eb) => eb.exists(eb.selectFrom('organization_memberships as m').select('m.id').whereRef('m.organization_id', '=', 'organizations.id').where('m.user_id', 'in', ids)));
      }
      const [rows, count] = await Promise.all([
        base.selectAll().orderBy(q.orderBy, q.direction).orderBy('id', q.direction).limit(q.limit).offset(q.offset).execute(),
        base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return { rows, total: Number(count.n) };
    },

    async update(idOrSlug: string, input: UpdateOrganizationInput): Promise<OrganizationRow> {
      const org = await getOrgOrThrow(db, idOrSlug);
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
        const locked = await lockOrg(trx, org.id);
        const next = { ...locked, name: input.name?.trim() ?? locked.name, slug: input.slug ?? locked.slug };
        await trx
          .updateTable('organizations')
          .set({
            name: next.name,
            slug: next.slug,
            search_text: searchText(next),
            ...(input.maxAllowedMemberships !== undefined && input.maxAllowedMemberships !== null ? { max_allowed_memberships: input.maxAllowedMemberships } : {}),
            ...(input.adminDeleteEnabled !== undefined && input.adminDeleteEnabled !== null ? { admin_delete_enabled: input.adminDeleteEnabled ? 1 : 0 } : {}),
            ...(input.publicMetadata !== undefined ? { public_metadata: JSON.stringify(input.publicMetadata ?? {}) } : {}),
            ...(input.privateMetadata !== undefined ? { private_metadata: JSON.stringify(input.privateMetadata ?? {}) } : {}),
            ...(input.createdAt ? { created_at: input.createdAt } : {}),
            updated_at: now(),
          })
          .where('id', '=', org.id)
          .execute();
      }, raceError('slug'));
      return getOrgOrThrow(db, org.id);
    },

    async writeMetadata(idOrSlug: string, input: { publicMetadata?: Metadata | null; privateMetadata?: Metadata | null }, replace: boolean): Promise<OrganizationRow> {
      const org = await getOrgOrThrow(db, idOrSlug);
      await transaction(db, async (trx) => {
        const locked = await lockOrg(trx, org.id);
        const patch: Record<string, string> = {};
        for (const [param, column, value] of [
          ['public_metadata', 'public_metadata', input.publicMetadata],
          ['private_metadata', 'private_metadata', input.privateMetadata],
        ] as const) {
          if (value === undefined) continue;
          const next = nextMetadata(param, readJson<Metadata>(locked[column]), value, replace ? 'replace' : 'merge');
          patch[column] = JSON.stringify(next);
        }
        if (Object.keys(patch).length) await trx.updateTable('organizations').set(patch).where('id', '=', org.id).execute();
      });
      return getOrgOrThrow(db, org.id);
    },

    async delete(idOrSlug: string): Promise<string> {
      const org = await getOrgOrThrow(db, idOrSlug);
      await transaction(db, async (trx) => {
        await trx.deleteFrom('organizations').where('id', '=', org.id).execute();
        await trx.deleteFrom('images').where('owner_id', '=', org.id).execute();
      });
      return org.id;
    },

    async setLogo(idOrSlug: string, image: { bytes: Uint8Array; contentType: string } | null): Promise<OrganizationRow> {
      const org = await getOrgOrThrow(db, idOrSlug);
      const t = now();
      await transaction(db, async (trx) => {
        const locked = await lockOrg(trx, org.id);
        let imageId: string | null = null;
        if (image) {
          imageId = newId('img', t);
          await trx
            .insertInto('images')
            .values({ id: imageId, owner_id: org.id, content_type: image.contentType, bytes: image.bytes, size: image.bytes.byteLength, created_at: t })
            .execute();
        }
        await trx.updateTable('organizations').set({ image_id: imageId }).where('id', '=', org.id).execute();
        if (locked.image_id) await trx.deleteFrom('images').where('id', '=', locked.image_id).execute();
      });
      return getOrgOrThrow(db, org.id);
    },

    // ---- memberships ----

    async addMembership(idOrSlug: string, input: { userId: string; role: string; publicMetadata?: Metadata | null; privateMetadata?: Metadata | null }): Promise<MembershipRow> {
      const org = await getOrgOrThrow(db, idOrSlug);
      if (input.publicMetadata) assertMetadataSize('public_metadata', input.publicMetadata);
      if (input.privateMetadata) assertMetadataSize('private_metadata', input.privateMetadata);
      return transaction(db, async (trx) => {
        const locked = await lockOrg(trx, org.id);
        const role = await roles.resolveRoleKey(trx, input.role);
        return addMember(trx, locked, input.userId, role, { public: input.publicMetadata ?? {}, private: input.privateMetadata ?? {} });
      }, raceError('membership'));
    },

    async updateMembershipRole(idOrSlug: string, userId: string, roleInput: string): Promise<MembershipRow> {
      const org = await getOrgOrThrow(db, idOrSlug);
      return transaction(db, async (trx) => {
        await lockOrg(trx, org.id);
        const role = await roles.resolveRoleKey(trx, roleInput);
        const m = await trx.selectFrom('organization_memberships').selectAll().where('organization_id', '=', org.id).where('user_id', '=', userId).executeTakeFirst();
        if (!m) throw notFound('Organization membership');
        const delta = (role === ADMIN_ROLE ? 1 : 0) - (m.role === ADMIN_ROLE ? 1 : 0);
        if (delta !== 0) {
          const r = await trx
            .updateTable('organizations')
            .set((eb) => ({ admins_count: eb('admins_count', '+', delta) }))
            .where('id', '=', org.id)
            .where((eb) => (delta < 0 ? eb('admins_count', '>', 1) : sql<boolean>`1 = 1`))
            .executeTakeFirst();
          if (Number(r.numUpdatedRows) !== 1) throw lastAdmin();
        }
        const t = now();
        await trx.updateTable('organization_memberships').set({ role, updated_at: t }).where('id', '=', m.id).execute();
        return { ...m, role, updated_at: t };
      });
    },

    async updateMembershipMetadata(idOrSlug: string, userId: string, input: { publicMetadata?: Metadata | null; privateMetadata?: Metadata | null }): Promise<MembershipRow> {
      const org = await getOrgOrThrow(db, idOrSlug);
      return transaction(db, async (trx) => {
        const m = await trx
          .selectFrom('organization_memberships')
          .selectAll()
          .where('organization_id', '=', org.id)
          .where('user_id', '=', userId)
          .$call(forUpdate(trx))
          .executeTakeFirst();
        if (!m) throw notFound('Organization membership');
        const patch: Record<string, string | number> = { updated_at: now() };
        for (const [param, column, value] of [
          ['public_metadata', 'public_metadata', input.publicMetadata],
          ['private_metadata', 'private_metadata', input.privateMetadata],
        ] as const) {
          if (value === undefined) continue;
          const next = nextMetadata(param, readJson<Metadata>(m[column]), value, 'merge');
          patch[column] = JSON.stringify(next);
        }
        await trx.updateTable('organization_memberships').set(patch).where('id', '=', m.id).execute();
        return (await trx.selectFrom('organization_memberships').selectAll().where('id', '=', m.id).executeTakeFirstOrThrow()) as MembershipRow;
      });
    },

    async removeMembership(idOrSlug: string, userId: string): Promise<MembershipRow> {
      const org = await getOrgOrThrow(db, idOrSlug);
      return transaction(db, async (trx) => {
        await lockOrg(trx, org.id);
        return removeMember(trx, org.id, userId);
      });
    },

    async listMemberships(q: {
      organizationId?: string;
      userId?: string;
      roles?: string[];
      userFilter?: UserFilter;
      orderBy: 'created_at' | 'updated_at' | 'role' | 'first_name' | 'last_name' | 'username' | 'email_address' | 'phone_number';
      direction: 'asc' | 'desc';
    } & Page) {
      let base = db.selectFrom('organization_memberships as m').innerJoin('users as u', 'u.id', 'm.user_id');
      if (q.organizationId) base = base.where('m.organization_id', '=', q.organizationId);
      if (q.userId) base = base.where('m.user_id', '=', q.userId);
      if (q.roles?.length) base = base.where('m.role', 'in', q.roles);
      if (q.userFilter) {
        const matching = filterUserIds(db, dialect, q.userFilter);
        base = base.where('m.user_id', 'in', matching);
      }
      const column =
        q.orderBy === 'email_address'
          ? sql.ref('pe.normalized')
          : q.orderBy === 'phone_number'
            ? sql.ref('pp.normalized')
            : q.orderBy === 'first_name' || q.orderBy === 'last_name'
              ? sql.ref(`u.${q.orderBy}`)
              : q.orderBy === 'username'
                ? sql.ref('u.username_normalized')
                : sql.ref(`m.${q.orderBy}`);
      const dir = q.direction === 'desc' ? sql`DESC` : sql`ASC`;
      const rowsQuery = base
        .leftJoin('identifications as pe', 'pe.id', 'u.primary_email_address_id')
        .leftJoin('identifications as pp', 'pp.id', 'u.primary_phone_number_id')
        .selectAll('m')
        .orderBy(sql`(${column} IS NULL)`, 'asc')
        .orderBy(sql`${column} ${dir}`)
        .orderBy(sql`m.id ${dir}`)
        .limit(q.limit)
        .offset(q.offset);
      const [rows, count] = await Promise.all([rowsQuery.execute(), base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()]);
      return { rows: rows as MembershipRow[], total: Number(count.n) };
    },

    /**
     * Before a user is deleted: their memberships go, counters follow, and an organization that would
     * lose its last admin gets its longest-standing remaining member promoted, so the rule still holds.
     */
    async detachUser(trx: Tx, userId: string): Promise<void> {
      const memberships = await trx.selectFrom('organization_memberships').select(['organization_id']).where('user_id', '=', userId).orderBy('organization_id').execute();
      for (const { organization_id } of memberships) {
        const org = await lockOrg(trx, organization_id);
        const m = await trx.selectFrom('organization_memberships').selectAll().where('organization_id', '=', org.id).where('user_id', '=', userId).executeTakeFirstOrThrow();
        if (m.role === ADMIN_ROLE && org.admins_count <= 1) {
          const heir = await trx
            .selectFrom('organization_memberships')
            .select(['id'])
            .where('organization_id', '=', org.id)
            .where('user_id', '!=', userId)
            .orderBy('created_at', 'asc')
            .orderBy('id', 'asc')
            .executeTakeFirst();
          if (heir) {
            await trx.updateTable('organization_memberships').set({ role: ADMIN_ROLE, updated_at: now() }).where('id', '=', heir.id).execute();
            await trx.updateTable('organizations').set((eb) => ({ admins_count: eb('admins_count', '+', 1) })).where('id', '=', org.id).execute();
          }
        }
        const isAdmin = m.role === ADMIN_ROLE ? 1 : 0;
        await trx
          .updateTable('organizations')
          .set((eb) => ({ members_count: eb('members_count', '-', 1), admins_count: eb('admins_count', '-', isAdmin) }))
          .where('id', '=', org.id)
          .execute();
        await trx.deleteFrom('organization_memberships').where('id', '=', m.id).execute();
      }
    },

    // ---- invitations ----

    async invite(idOrSlug: string, input: OrgInvitationInput): Promise<OrgInvitationRow> {
      const org = await getOrgOrThrow(db, idOrSlug);
      const row = await transaction(db, async (trx) => insertInvitation(trx, await lockOrg(trx, org.id), input, 'manual', now()), raceError('invitation'));
      messaging.wake();
      return row;
    },

    /** All or nothing, like the instance's bulk invitations. */
    async inviteMany(idOrSlug: string, inputs: OrgInvitationInput[]): Promise<OrgInvitationRow[]> {
      const org = await getOrgOrThrow(db, idOrSlug);
      const seen = new Set<string>();
      for (const i of inputs) {
        const n = normalizeEmail(i.emailAddress) ?? i.emailAddress;
        if (seen.has(n)) throw new ApiError({ code: 'duplicate_record', longMessage: `${i.emailAddress} appears twice in the request.`, paramName: 'email_address' });
        seen.add(n);
      }
      const rows = await transaction(db, async (trx) => {
        const locked = await lockOrg(trx, org.id);
        const t = now();
        const out: OrgInvitationRow[] = [];
        for (const i of inputs) out.push(await insertInvitation(trx, locked, i, 'manual', t));
        return out;
      }, raceError('invitation'));
      messaging.wake();
      return rows;
    },

    async listInvitations(q: {
      organizationId?: string;
      statuses?: OrgInvitationStatus[];
      emailAddresses?: string[];
      query?: string;
      orderBy: 'created_at' | 'email_address' | 'expires_at';
      direction: 'asc' | 'desc';
    } & Page) {
      const t = now();
      let base = db.selectFrom('organization_invitations');
      if (q.organizationId) base = base.where('organization_id', '=', q.organizationId);
      if (q.emailAddresses) base = base.where('normalized', 'in', q.emailAddresses.length ? q.emailAddresses : ['']);
      if (q.statuses?.length) {
        const statuses = q.statuses;
        base = base.where((eb) =>
          eb.or(
            statuses.map((s) =>
              s === 'pending'
                ? eb.and([eb('status', '=', 'pending'), eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', t)])])
                : s === 'expired'
                  ? eb.or([eb('status', '=', 'expired'), eb.and([eb('status', '=', 'pending'), eb('expires_at', '<=', t)])])
                  : eb('status', '=', s),
            ),
          ),
        );
      }
      if (q.query) base = base.where(sql<boolean>`(normalized LIKE ${likeOf(q.query)} ESCAPE '\\' OR id LIKE ${containsPattern(q.query)} ESCAPE '\\')`);
      const column = q.orderBy === 'email_address' ? 'normalized' : q.orderBy;
      const [rows, count] = await Promise.all([
        base.selectAll().orderBy(column, q.direction).orderBy('id', q.direction).limit(q.limit).offset(q.offset).execute(),
        base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return { rows, total: Number(count.n) };
    },

    async getInvitation(idOrSlug: string, invitationId: string): Promise<OrgInvitationRow> {
      const org = await getOrgOrThrow(db, idOrSlug);
      const row = await db.selectFrom('organization_invitations').selectAll().where('id', '=', invitationId).where('organization_id', '=', org.id).executeTakeFirst();
      if (!row) throw notFound('Organization invitation');
      return row;
    },

    async revokeInvitation(idOrSlug: string, invitationId: string): Promise<OrgInvitationRow> {
      const row = await this.getInvitation(idOrSlug, invitationId);
      const t = now();
      const status = orgInvitationStatus(row, t);
      if (status !== 'pending') {
        throw new ApiError({ code: 'invitation_not_pending', longMessage: `Only pending invitations can be revoked; this one is ${status}.`, paramName: 'invitation_id' });
      }
      const r = await db
        .updateTable('organization_invitations')
        .set({ status: 'revoked', revoked_at: t, updated_at: t })
        .where('id', '=', row.id)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) throw new ApiError({ code: 'invitation_not_pending', longMessage: 'The invitation is no longer pending.', paramName: 'invitation_id' });
      return { ...row, status: 'revoked', revoked_at: t, updated_at: t };
    },

    async peekTicket(ticket: string): Promise<OrgInvitationRow | null> {
      const id = verifyTicket(ticketSecret, ticket, TICKET_LABEL);
      if (!id) return null;
      return (await db.selectFrom('organization_invitations').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
    },

    /**
     * Accepts an invitation for a user who owns its e-mail address (verified): the user becomes a
     * member with the invited role, and the invitation can never be used again. Used by the sign-in and
     * sign-up flows (a ticket) and by accept-in-app (an id).
     */
    async acceptInvitation(ref: { ticket: string } | { invitationId: string }, userId: string): Promise<MembershipRow> {
      const id = 'ticket' in ref ? verifyTicket(ticketSecret, ref.ticket, TICKET_LABEL) : ref.invitationId;
      const unusable = (why: string) => new ApiError({ code: 'invitation_not_pending', longMessage: why, paramName: 'ticket' });
      if (!id) throw unusable('The invitation ticket is not valid.');
      return transaction(db, async (trx) => {
        const inv = await trx.selectFrom('organization_invitations').selectAll().where('id', '=', id).executeTakeFirst();
        if (!inv) throw unusable('The invitation does not exist.');
        const org = await lockOrg(trx, inv.organization_id);
        const t = now();
        const owns = await hasVerifiedEmail(trx, userId, inv.normalized);
        if (!owns) throw new ApiError({ code: 'not_allowed_access', longMessage: 'The invitation was sent to an e-mail address this user has not verified.', paramName: 'user_id' });
        const r = await trx
          .updateTable('organization_invitations')
          .set({ status: 'accepted', accepted_at: t, accepted_user_id: userId, updated_at: t })
          .where('id', '=', inv.id)
          .where('status', '=', 'pending')
          .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', t)]))
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) !== 1) throw unusable('The invitation has expired, was revoked, or was already used.');
        const membership = await addMember(trx, org, userId, inv.role, { public: readJson<Metadata>(inv.public_metadata), private: readJson<Metadata>(inv.private_metadata) });
        await trx.updateTable('organization_suggestions').set({ status: 'accepted', updated_at: t }).where('organization_id', '=', org.id).where('user_id', '=', userId).execute();
        return membership;
      });
    },

    // ---- domains ----

    async addDomain(idOrSlug: string, input: { name: string; enrollmentMode?: EnrollmentMode | null; verified?: boolean | null }): Promise<DomainRow> {
      const org = await getOrgOrThrow(db, idOrSlug);
      const s = await settings();
      if (!s.domains_enabled) throw new ApiError({ code: 'form_param_value_invalid', longMessage: 'Verified domains are disabled on this instance.', paramName: 'name' });
      const name = input.name.trim().toLowerCase().replace(/\.$/, '');
      if (!DOMAIN.test(name)) throw new ApiError({ code: 'form_param_format_invalid', longMessage: `${input.name} is not a domain name.`, paramName: 'name' });
      if (PUBLIC_EMAIL_DOMAINS.has(name)) {
        throw new ApiError({ code: 'organization_domain_common', longMessage: `${name} is a public e-mail provider: anyone can have an address there.`, paramName: 'name' });
      }
      const mode = input.enrollmentMode ?? 'manual_invitation';
      if (!s.domains_enrollment_modes.includes(mode)) {
        throw new ApiError({ code: 'form_param_value_invalid', longMessage: `The enrollment mode ${mode} is not enabled on this instance.`, paramName: 'enrollment_mode' });
      }
      const t = now();
      // The spec (and the official SDK) create domains verified unless told otherwise.
      const verified = input.verified !== false;
      const row: DomainRow = {
        id: newId('orgdmn', t),
        organization_id: org.id,
        name,
        enrollment_mode: mode,
        verified: verified ? 1 : 0,
        verification_strategy: verified ? 'admin' : null,
        verified_at: verified ? t : null,
        affiliation_email_address: null,
        code_hash: null,
        code_attempts: 0,
        code_expires_at: null,
        created_at: t,
        updated_at: t,
      };
      await transaction(db, async (trx) => {
        await trx.insertInto('organization_domains').values(row).execute();
        await enrollForDomain(trx, row, s.domains_default_role);
      }, raceError('domain'));
      return row;
    },

    async listDomains(q: { organizationId?: string; verified?: boolean; enrollmentModes?: string[]; query?: string; names?: string[]; orderBy: 'created_at' | 'name'; direction: 'asc' | 'desc' } & Page) {
      let base = db.selectFrom('organization_domains');
      if (q.organizationId) base = base.where('organization_id', '=', q.organizationId);
      if (q.verified !== undefined) base = base.where('verified', '=', q.verified ? 1 : 0);
      if (q.enrollmentModes?.length) base = base.where('enrollment_mode', 'in', q.enrollmentModes as EnrollmentMode[]);
      if (q.names?.length) base = base.where('name', 'in', q.names.map((n) => n.toLowerCase()));
      if (q.query) base = base.where(sql<boolean>`name LIKE ${likeOf(q.query)} ESCAPE '\\'`);
      const [rows, count] = await Promise.all([
        base.selectAll().orderBy(q.orderBy, q.direction).orderBy('id', q.direction).limit(q.limit).offset(q.offset).execute(),
        base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return { rows, total: Number(count.n) };
    },

    async domainCounts(domainIds: string[]): Promise<Map<string, { invitations: number; suggestions: number }>> {
      const out = new Map<string, { invitations: number; suggestions: number }>();
      if (!domainIds.length) return out;
      const domains = await db.selectFrom('organization_domains').select(['id', 'organization_id', 'name']).where('id', 'in', domainIds).execute();
      for (const d of domains) {
        const inv = await db
          .selectFrom('organization_invitations')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('organization_id', '=', d.organization_id)
          .where('source', '=', 'domain')
          .where('status', '=', 'pending')
          .where('normalized', 'like', `%@${d.name}`)
          .executeTakeFirstOrThrow();
        const sug = await db
          .selectFrom('organization_suggestions')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('domain_id', '=', d.id)
          .where('status', '=', 'pending')
          .executeTakeFirstOrThrow();
        out.set(d.id, { invitations: Number(inv.n), suggestions: Number(sug.n) });
      }
      return out;
    },

    async updateDomain(idOrSlug: string, domainId: string, input: { enrollmentMode?: EnrollmentMode | null; verified?: boolean | null }): Promise<DomainRow> {
      const org = await getOrgOrThrow(db, idOrSlug);
      const s = await settings();
      if (input.enrollmentMode && !s.domains_enrollment_modes.includes(input.enrollmentMode)) {
        throw new ApiError({ code: 'form_param_value_invalid', longMessage: `The enrollment mode ${input.enrollmentMode} is not enabled on this instance.`, paramName: 'enrollment_mode' });
      }
      return transaction(db, async (trx) => {
        const d = await lockDomain(trx, org.id, domainId);
        const t = now();
        const verified = input.verified ?? (d.verified === 1);
        const next: DomainRow = {
          ...d,
          enrollment_mode: input.enrollmentMode ?? d.enrollment_mode,
          verified: verified ? 1 : 0,
          verification_strategy: verified ? (d.verified ? d.verification_strategy : 'admin') : null,
          verified_at: verified ? (d.verified_at ?? t) : null,
          updated_at: t,
        };
        await trx
          .updateTable('organization_domains')
          .set({ enrollment_mode: next.enrollment_mode, verified: next.verified, verification_strategy: next.verification_strategy, verified_at: next.verified_at, updated_at: t })
          .where('id', '=', d.id)
          .execute();
        await enrollForDomain(trx, next, s.domains_default_role);
        return next;
      });
    },

    async deleteDomain(idOrSlug: string, domainId: string): Promise<string> {
      const org = await getOrgOrThrow(db, idOrSlug);
      const d = await domainOrThrow(db, org.id, domainId);
      await db.deleteFrom('organization_domains').where('id', '=', d.id).execute();
      return d.id;
    },

    async verifyDomainOwnership(idOrSlug: string, domainId: string): Promise<DomainRow> {
      return this.updateDomain(idOrSlug, domainId, { verified: true });
    },

    /** Sends a 6-digit code to an address at the domain; proving receipt proves the domain belongs to the organization. */
    async prepareAffiliation(idOrSlug: string, domainId: string, emailAddress: string): Promise<DomainRow> {
      const org = await getOrgOrThrow(db, idOrSlug);
      const normalized = normalizeEmail(emailAddress);
      const d = await domainOrThrow(db, org.id, domainId);
      if (!normalized || !normalized.endsWith(`@${d.name}`)) {
        throw new ApiError({ code: 'form_param_value_invalid', longMessage: `affiliation_email_address must be an address at ${d.name}.`, paramName: 'affiliation_email_address' });
      }
      const code = randomInt(1_000_000).toString().padStart(6, '0');
      const t = now();
      await transaction(db, async (trx) => {
        await trx
          .updateTable('organization_domains')
          .set({ affiliation_email_address: normalized, code_hash: hashSecret(`${d.id}:${code}`), code_attempts: 0, code_expires_at: t + CODE_TTL, updated_at: t })
          .where('id', '=', d.id)
          .execute();
        await messaging.enqueueTemplated(trx, { type: 'email', slug: 'verification_code', to: normalized, data: { otp_code: code, ttl_minutes: CODE_TTL / 60_000 } });
      });
      messaging.wake();
      return domainOrThrow(db, org.id, d.id);
    },

    async attemptAffiliation(idOrSlug: string, domainId: string, code: string): Promise<DomainRow> {
      const org = await getOrgOrThrow(db, idOrSlug);
      const s = await settings();
      const result = await transaction(db, async (trx) => {
        const d = await lockDomain(trx, org.id, domainId);
        const t = now();
        if (!d.code_hash || d.code_expires_at === null) {
          return { error: new ApiError({ code: 'verification_expired', longMessage: 'Request a code first (prepare_affiliation_verification).', paramName: 'code' }) };
        }
        if (d.code_expires_at <= t) return { error: new ApiError({ code: 'verification_expired', longMessage: 'The code has expired; request a new one.', paramName: 'code' }) };
        if (d.code_attempts >= MAX_CODE_ATTEMPTS) return { error: new ApiError({ code: 'verification_failed', longMessage: 'Too many failed attempts; request a new code.', paramName: 'code' }) };
        if (!digestsEqual(hashSecret(`${d.id}:${code}`), d.code_hash)) {
          // The failed attempt is recorded (committed) before the error is returned.
          await trx.updateTable('organization_domains').set((eb) => ({ code_attempts: eb('code_attempts', '+', 1), updated_at: t })).where('id', '=', d.id).execute();
          return { error: new ApiError({ code: 'form_code_incorrect', longMessage: 'The code is incorrect.', paramName: 'code' }) };
        }
        const next: DomainRow = { ...d, verified: 1, verification_strategy: 'email_code', verified_at: t, code_hash: null, code_expires_at: null, updated_at: t };
        await trx
          .updateTable('organization_domains')
          .set({ verified: 1, verification_strategy: 'email_code', verified_at: t, code_hash: null, code_expires_at: null, updated_at: t })
          .where('id', '=', d.id)
          .execute();
        await enrollForDomain(trx, next, s.domains_default_role);
        return { domain: next };
      });
      if ('error' in result && result.error) throw result.error;
      return (result as { domain: DomainRow }).domain;
    },

    /** After a user gains verified e-mail addresses: invitations or suggestions from matching domains. */
    async enrollUser(userId: string): Promise<void> {
      const emails = await emailAddressesOf(db, userId, 'verified');
      const names = [...new Set(emails.map((e) => e.slice(e.lastIndexOf('@') + 1)))];
      if (!names.length) return;
      const domains = await db.selectFrom('organization_domains').selectAll().where('name', 'in', names).where('verified', '=', 1).where('enrollment_mode', '!=', 'manual_invitation').execute();
      const s = await settings();
      for (const d of domains) {
        await transaction(db, (trx) => enrollForDomain(trx, d, s.domains_default_role)).catch((err: unknown) => {
          // A unique index refused an invitation or suggestion: a concurrent enrollment already did the work.
          // Anything else is the caller's to report.
          if (!uniqueViolation(err)) throw err;
        });
      }
    },

    /** A user's e-mail addresses, normalized (404 when the user does not exist). */
    async emailsOf(userId: string): Promise<string[]> {
      if (!(await findUserSummary(db, userId))) throw notFound('User');
      return emailAddressesOf(db, userId, 'all');
    },

    /** True when a user owns this (normalized) e-mail address. */
    async addressHasAccount(normalized: string): Promise<boolean> {
      return (await ownerOfIdentifier(db, 'email_address', normalized)) !== null;
    },

    async suggestionsOf(userId: string) {
      return db.selectFrom('organization_suggestions').selectAll().where('user_id', '=', userId).where('status', '=', 'pending').orderBy('created_at', 'desc').execute();
    },
  };
}

export type OrganizationsService = ReturnType<typeof createOrganizationsService>;
