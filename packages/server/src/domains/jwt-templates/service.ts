/**
 * JWT templates: named sets of custom claims (with shortcodes) and a lifetime, from which a session mints
 * a token for another service (`/sessions/{id}/tokens/{template_name}`); and the instance's session-token
 * claims, merged into every default session token (a Latch extension of the dashboard's "Customize
 * session token").
 *
 * Tokens from templates are signed with the instance key (RS256); custom signing keys are refused.
 */
import { newId } from '@latch/core';
import { ApiError, notFound } from '../../errors.js';
import { type Db, uniqueOr } from '../../storage/database.js';
import { readJson } from '../../storage/schema.js';
import type { UserAggregate } from '../users/repository.js';
import { type ClaimsUser, renderClaims, validateClaimsTemplate } from './claims.js';
import {
  deleteJwtTemplate,
  findJwtTemplate,
  findJwtTemplateByName,
  findSessionTokenClaims,
  insertJwtTemplate,
  type JwtTemplateRow,
  listJwtTemplates,
  updateJwtTemplate,
  upsertSessionTokenClaims,
} from './repository.js';

/** Defaults Clerk gives a template: 60 s lifetime, 5 s clock skew. */
export const DEFAULT_TEMPLATE_LIFETIME = 60;
export const DEFAULT_CLOCK_SKEW = 5;

/**
 * How long a process keeps the session-token claims template before reading it again: minting a default
 * token stays one session read plus a signature; another process's change shows within this time.
 */
export const SESSION_CLAIMS_CACHE_MS = 1000;

/** Session-token customizations are small: the token travels in a cookie on every request. */
const MAX_SESSION_CLAIMS_BYTES = 1200;

export interface JwtTemplateInput {
  name?: string | undefined;
  claims?: Record<string, unknown> | undefined;
  lifetime?: number | null | undefined;
  allowedClockSkew?: number | null | undefined;
  customSigningKey?: boolean | null | undefined;
  signingAlgorithm?: string | null | undefined;
  signingKey?: string | null | undefined;
}

/** What a template contributes to a token: the rendered claims, its lifetime and its clock skew. */
export interface TemplateClaims {
  claims: Record<string, unknown>;
  lifetime: number;
  skew: number;
}

export interface JwtTemplatesServiceDeps {
  db: Db;
  loadUser(id: string): Promise<UserAggregate | null>;
  /** The user as templates see it (built by the users serializer: no private metadata). */
  claimsUserOf(user: UserAggregate): ClaimsUser;
  now?: () => number;
}

function checkClaims(claims: Record<string, unknown>, param: string): void {
  const problem = validateClaimsTemplate(claims);
  if (problem) throw ApiError.of('form_param_value_invalid', problem, param);
}

function duplicateName(): ApiError {
  return new ApiError({ code: 'duplicate_record', message: 'duplicate record', longMessage: 'A JWT template with that name exists already.', paramName: 'name' });
}

function checkSigning(input: JwtTemplateInput): void {
  if (input.customSigningKey || input.signingKey || (input.signingAlgorithm && input.signingAlgorithm !== 'RS256')) {
    throw ApiError.of('form_param_value_invalid', 'Latch signs template tokens with the instance key (RS256); custom signing keys are not supported.', input.signingKey ? 'signing_key' : input.signingAlgorithm ? 'signing_algorithm' : 'custom_signing_key');
  }
}

export function createJwtTemplatesService({ db, loadUser, claimsUserOf, now = Date.now }: JwtTemplatesServiceDeps) {
  let sessionClaims: { claims: Record<string, unknown>; until: number } | null = null;
  async function cachedSessionClaims(): Promise<Record<string, unknown>> {
    const t = now();
    if (sessionClaims && sessionClaims.until > t) return sessionClaims.claims;
    const row = await findSessionTokenClaims(db);
    const claims = row ? readJson<Record<string, unknown>>(row.claims) : {};
    sessionClaims = { claims, until: t + SESSION_CLAIMS_CACHE_MS };
    return claims;
  }

  async function get(id: string): Promise<JwtTemplateRow> {
    const row = await findJwtTemplate(db, id);
    if (!row) throw notFound('JWT template');
    return row;
  }

  return {
    get,

    list(limit: number, offset: number) {
      return listJwtTemplates(db, limit, offset);
    },

    async create(input: JwtTemplateInput): Promise<JwtTemplateRow> {
      checkSigning(input);
      const name = input.name?.trim();
      if (!name) throw ApiError.of('form_param_missing', 'A template needs a name.', 'name');
      if (!input.claims) throw ApiError.of('form_param_missing', 'A template needs claims.', 'claims');
      checkClaims(input.claims, 'claims');
      const t = now();
      const row = {
        id: newId('jtmp', t),
        name,
        claims: JSON.stringify(input.claims),
        lifetime: input.lifetime ?? DEFAULT_TEMPLATE_LIFETIME,
        allowed_clock_skew: input.allowedClockSkew ?? DEFAULT_CLOCK_SKEW,
        created_at: t,
        updated_at: t,
      };
      await uniqueOr(insertJwtTemplate(db, row), () => duplicateName());
      return { ...row, claims: input.claims } satisfies JwtTemplateRow;
    },

    async update(id: string, input: JwtTemplateInput): Promise<JwtTemplateRow> {
      checkSigning(input);
      await get(id);
      const name = input.name?.trim();
      if (input.name !== undefined && !name) throw ApiError.of('form_param_value_invalid', 'A template needs a name.', 'name');
      if (input.claims) checkClaims(input.claims, 'claims');
      const patch = {
        ...(name ? { name } : {}),
        ...(input.claims ? { claims: JSON.stringify(input.claims) } : {}),
        ...(input.lifetime != null ? { lifetime: input.lifetime } : {}),
        ...(input.allowedClockSkew != null ? { allowed_clock_skew: input.allowedClockSkew } : {}),
        updated_at: now(),
      };
      if (!(await uniqueOr(updateJwtTemplate(db, id, patch), () => duplicateName()))) throw notFound('JWT template');
      return get(id);
    },

    async remove(id: string): Promise<void> {
      if (!(await deleteJwtTemplate(db, id))) throw notFound('JWT template');
    },

    /** The instance's session-token claims template (`{}` when none is set). */
    async sessionClaimsTemplate(): Promise<{ claims: Record<string, unknown>; updatedAt: number | null }> {
      const row = await findSessionTokenClaims(db);
      return row ? { claims: readJson<Record<string, unknown>>(row.claims), updatedAt: row.updated_at } : { claims: {}, updatedAt: null };
    },

    async setSessionClaimsTemplate(claims: Record<string, unknown>): Promise<{ claims: Record<string, unknown>; updatedAt: number }> {
      checkClaims(claims, 'claims');
      const text = JSON.stringify(claims);
      if (Buffer.byteLength(text) > MAX_SESSION_CLAIMS_BYTES) {
        throw ApiError.of('form_param_exceeds_allowed_size', `Session-token claims are limited to ${MAX_SESSION_CLAIMS_BYTES} bytes of JSON: the token is sent with every request.`, 'claims');
      }
      const t = now();
      await upsertSessionTokenClaims(db, text, t);
      sessionClaims = null;
      return { claims, updatedAt: t };
    },

    /**
     * The claims a token for `userId` carries beyond the standard ones: from the named template (404 when
     * there is none), or with `name` null from the instance's session-token template (null when none).
     */
    async claimsFor(userId: string, name: string | null): Promise<TemplateClaims | null> {
      let template: { claims: Record<string, unknown>; lifetime: number; skew: number };
      if (name === null) {
        const claims = await cachedSessionClaims();
        if (Object.keys(claims).length === 0) return null;
        template = { claims, lifetime: DEFAULT_TEMPLATE_LIFETIME, skew: 10 };
      } else {
        const row = await findJwtTemplateByName(db, name);
        if (!row) throw new ApiError({ code: 'resource_not_found', longMessage: `No JWT template named "${name}".`, paramName: 'template_name' });
        template = { claims: readJson<Record<string, unknown>>(row.claims), lifetime: row.lifetime, skew: row.allowed_clock_skew };
      }
      const user = await loadUser(userId);
      if (!user) throw new ApiError({ code: 'signed_out', longMessage: 'The user no longer exists.' });
      return { claims: renderClaims(template.claims, claimsUserOf(user)), lifetime: template.lifetime, skew: template.skew };
    },
  };
}

export type JwtTemplatesService = ReturnType<typeof createJwtTemplatesService>;
