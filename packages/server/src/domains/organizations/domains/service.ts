/**
 * Verified domains of organizations, and enrollment through them: a verified automatic-invitation
 * domain invites every user with a verified address at it, an automatic-suggestion domain suggests the
 * organization to them instead. A domain is verified by an admin or by an affiliation code sent to an
 * address at it.
 */
import { randomInt } from 'node:crypto';
import { newId } from '@latch/core';
import { digestsEqual, hashSecret } from '../../../crypto/tokens.js';
import { ApiError, notFound } from '../../../errors.js';
import { transaction, uniqueViolation, type Db, type Tx } from '../../../storage/database.js';
import type { EnrollmentMode } from '../../../storage/schema.js';
import { normalizeEmail } from '../../identifiers/normalize.js';
import type { InstanceService, OrganizationSettings } from '../../instance/service.js';
import type { MessagingService } from '../../messages/service.js';
import { emailAddressesOf, verifiedEmailsAtDomain } from '../../users/directory-repository.js';
import * as invitationsRepo from '../invitations/repository.js';
import type { InvitationsService } from '../invitations/service.js';
import { membersAmong } from '../memberships/repository.js';
import * as organizationsRepo from '../organizations/repository.js';
import { organizationOrThrow } from '../organizations/service.js';
import { raceError } from '../shared.js';
import { PUBLIC_EMAIL_DOMAINS } from './public-domains.js';
import * as repo from './repository.js';
import type { DomainListQuery, DomainRow } from './repository.js';
import type { DomainView } from './serialize.js';

export type { DomainRow } from './repository.js';

const CODE_TTL = 10 * 60_000;
const MAX_CODE_ATTEMPTS = 5;
const DOMAIN = /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export interface DomainsServiceDeps {
  db: Db;
  instance: InstanceService;
  invitations: InvitationsService;
  messaging: MessagingService;
  now: () => number;
}

function modeDisabled(mode: EnrollmentMode): ApiError {
  return new ApiError({ code: 'form_param_value_invalid', longMessage: `The enrollment mode ${mode} is not enabled on this instance.`, paramName: 'enrollment_mode' });
}

export function createDomainsService({ db, instance, invitations, messaging, now }: DomainsServiceDeps) {
  async function settings(): Promise<OrganizationSettings> {
    return (await instance.settings()).organizations;
  }

  /** Invites or suggests every user whose verified e-mail is at a verified automatic domain. */
  // `defaultRole` is read before the caller's transaction: on SQLite a read outside it would wait forever.
  async function enrollForDomain(trx: Tx, domain: DomainRow, defaultRole: string): Promise<void> {
    if (!domain.verified || domain.enrollment_mode === 'manual_invitation') return;
    const org = await organizationOrThrow(trx, domain.organization_id);
    const addresses = await verifiedEmailsAtDomain(trx, domain.name);
    const members = await membersAmong(trx, org.id, addresses.map((a) => a.user_id));
    const t = now();
    const seen = new Set<string>();
    for (const c of addresses) {
      if (members.has(c.user_id) || seen.has(c.user_id)) continue;
      seen.add(c.user_id);
      if (domain.enrollment_mode === 'automatic_invitation') {
        if (!(await invitationsRepo.hasPending(trx, org.id, c.normalized))) {
          await invitations.insert(trx, org, { emailAddress: c.normalized, role: defaultRole, notify: false }, 'domain', t);
        }
      } else {
        await repo.suggest(trx, { organizationId: org.id, userId: c.user_id, domainId: domain.id }, t);
      }
    }
  }

  async function domainOrThrow(orgId: string, domainId: string): Promise<DomainRow> {
    const d = await repo.findDomain(db, orgId, domainId);
    if (!d) throw notFound('Organization domain');
    return d;
  }

  async function lockDomain(trx: Tx, orgId: string, domainId: string): Promise<DomainRow> {
    const d = await repo.lockDomain(trx, orgId, domainId);
    if (!d) throw notFound('Organization domain');
    return d;
  }

  async function updateDomain(idOrSlug: string, domainId: string, input: { enrollmentMode?: EnrollmentMode | null; verified?: boolean | null }): Promise<DomainRow> {
    const org = await organizationOrThrow(db, idOrSlug);
    const s = await settings();
    if (input.enrollmentMode && !s.domains_enrollment_modes.includes(input.enrollmentMode)) throw modeDisabled(input.enrollmentMode);
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
      await repo.updateDomain(trx, d.id, {
        enrollment_mode: next.enrollment_mode,
        verified: next.verified,
        verification_strategy: next.verification_strategy,
        verified_at: next.verified_at,
        updated_at: t,
      });
      await enrollForDomain(trx, next, s.domains_default_role);
      return next;
    });
  }

  return {
    async addDomain(idOrSlug: string, input: { name: string; enrollmentMode?: EnrollmentMode | null; verified?: boolean | null }): Promise<DomainRow> {
      const org = await organizationOrThrow(db, idOrSlug);
      const s = await settings();
      if (!s.domains_enabled) throw new ApiError({ code: 'form_param_value_invalid', longMessage: 'Verified domains are disabled on this instance.', paramName: 'name' });
      const name = input.name.trim().toLowerCase().replace(/\.$/, '');
      if (!DOMAIN.test(name)) throw new ApiError({ code: 'form_param_format_invalid', longMessage: `${input.name} is not a domain name.`, paramName: 'name' });
      if (PUBLIC_EMAIL_DOMAINS.has(name)) {
        throw new ApiError({ code: 'organization_domain_common', longMessage: `${name} is a public e-mail provider: anyone can have an address there.`, paramName: 'name' });
      }
      const mode = input.enrollmentMode ?? 'manual_invitation';
      if (!s.domains_enrollment_modes.includes(mode)) throw modeDisabled(mode);
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
        await repo.insertDomain(trx, row);
        await enrollForDomain(trx, row, s.domains_default_role);
      }, raceError('domain'));
      return row;
    },

    listDomains(q: DomainListQuery) {
      return repo.listDomains(db, q);
    },

    updateDomain,

    /** A domain of the organization (by its id); 404 when it has none by that id. */
    getDomain: domainOrThrow,

    async deleteDomain(idOrSlug: string, domainId: string): Promise<string> {
      const org = await organizationOrThrow(db, idOrSlug);
      const d = await domainOrThrow(org.id, domainId);
      await repo.deleteDomain(db, d.id);
      return d.id;
    },

    /**
     * A new enrollment mode; with `deletePending` the invitations and suggestions the domain sent under
     * its old mode that nobody has taken up are withdrawn first.
     */
    async updateEnrollmentMode(idOrSlug: string, domainId: string, mode: EnrollmentMode, deletePending: boolean): Promise<DomainRow> {
      if (deletePending) {
        const org = await organizationOrThrow(db, idOrSlug);
        const d = await domainOrThrow(org.id, domainId);
        const s = await settings();
        if (!s.domains_enrollment_modes.includes(mode)) throw modeDisabled(mode);
        await transaction(db, async (trx) => {
          await invitationsRepo.revokePendingFromDomain(trx, org.id, d.name, now());
          await repo.dropPendingSuggestions(trx, d.id);
        });
      }
      return updateDomain(idOrSlug, domainId, { enrollmentMode: mode });
    },

    verifyDomainOwnership(idOrSlug: string, domainId: string): Promise<DomainRow> {
      return updateDomain(idOrSlug, domainId, { verified: true });
    },

    /** Sends a 6-digit code to an address at the domain; proving receipt proves the domain belongs to the organization. */
    async prepareAffiliation(idOrSlug: string, domainId: string, emailAddress: string): Promise<DomainRow> {
      const org = await organizationOrThrow(db, idOrSlug);
      const normalized = normalizeEmail(emailAddress);
      const d = await domainOrThrow(org.id, domainId);
      if (!normalized || !normalized.endsWith(`@${d.name}`)) {
        throw new ApiError({ code: 'form_param_value_invalid', longMessage: `affiliation_email_address must be an address at ${d.name}.`, paramName: 'affiliation_email_address' });
      }
      const code = randomInt(1_000_000).toString().padStart(6, '0');
      const t = now();
      await transaction(db, async (trx) => {
        await repo.updateDomain(trx, d.id, { affiliation_email_address: normalized, code_hash: hashSecret(`${d.id}:${code}`), code_attempts: 0, code_expires_at: t + CODE_TTL, updated_at: t });
        await messaging.enqueueTemplated(trx, { type: 'email', slug: 'verification_code', to: normalized, data: { otp_code: code, ttl_minutes: CODE_TTL / 60_000 } });
      });
      messaging.wake();
      return domainOrThrow(org.id, d.id);
    },

    async attemptAffiliation(idOrSlug: string, domainId: string, code: string): Promise<DomainRow> {
      const org = await organizationOrThrow(db, idOrSlug);
      const s = await settings();
      const result = await transaction(db, async (trx): Promise<{ error: ApiError } | { domain: DomainRow }> => {
        const d = await lockDomain(trx, org.id, domainId);
        const t = now();
        if (!d.code_hash || d.code_expires_at === null) {
          return { error: new ApiError({ code: 'verification_expired', longMessage: 'Request a code first (prepare_affiliation_verification).', paramName: 'code' }) };
        }
        if (d.code_expires_at <= t) return { error: new ApiError({ code: 'verification_expired', longMessage: 'The code has expired; request a new one.', paramName: 'code' }) };
        if (d.code_attempts >= MAX_CODE_ATTEMPTS) return { error: new ApiError({ code: 'verification_failed', longMessage: 'Too many failed attempts; request a new code.', paramName: 'code' }) };
        if (!digestsEqual(hashSecret(`${d.id}:${code}`), d.code_hash)) {
          // The failed attempt is recorded (committed) before the error is returned.
          await repo.countFailedAttempt(trx, d.id, t);
          return { error: new ApiError({ code: 'form_code_incorrect', longMessage: 'The code is incorrect.', paramName: 'code' }) };
        }
        const verifiedNow = { verified: 1 as const, verification_strategy: 'email_code', verified_at: t, code_hash: null, code_expires_at: null, updated_at: t };
        await repo.updateDomain(trx, d.id, verifiedNow);
        const next: DomainRow = { ...d, ...verifiedNow };
        await enrollForDomain(trx, next, s.domains_default_role);
        return { domain: next };
      });
      if ('error' in result) throw result.error;
      return result.domain;
    },

    /** After a user gains verified e-mail addresses: invitations or suggestions from matching domains. */
    async enrollUser(userId: string): Promise<void> {
      const emails = await emailAddressesOf(db, userId, 'verified');
      const names = [...new Set(emails.map((e) => e.slice(e.lastIndexOf('@') + 1)))];
      if (!names.length) return;
      const domains = await repo.automaticDomainsNamed(db, names);
      const s = await settings();
      for (const d of domains) {
        await transaction(db, (trx) => enrollForDomain(trx, d, s.domains_default_role)).catch((err: unknown) => {
          // A unique index refused an invitation or suggestion: a concurrent enrollment already did the work.
          // Anything else is the caller's to report.
          if (!uniqueViolation(err)) throw err;
        });
      }
    },

    /** A user's pending suggestions, newest first. */
    suggestionsOf(userId: string) {
      return repo.pendingSuggestionsOf(db, userId);
    },

    /** The domains with what their answers embed: organization and pending enrollment counts. */
    async views(rows: DomainRow[]): Promise<DomainView[]> {
      const orgs = await organizationsRepo.organizationsByIds(db, rows.map((r) => r.organization_id));
      const out: DomainView[] = [];
      for (const d of rows) {
        out.push({
          domain: d,
          organization: orgs.get(d.organization_id),
          pendingInvitations: await invitationsRepo.countPendingFromDomain(db, d.organization_id, d.name),
          pendingSuggestions: await repo.countPendingSuggestions(db, d.id),
        });
      }
      return out;
    },
  };
}

export type DomainsService = ReturnType<typeof createDomainsService>;
