/**
 * The Auth object of a request: who is signed in, in which organization, with which role and
 * permissions, read from the session token's claims the way the official SDKs read them (version-2
 * `o` / `fea` / `fpm` claims, or the version-1 `org_*` claims), and `has()` for authorization checks.
 * What the Express and Next.js layers hand to application code (`req.auth`, `auth()`).
 */
import type { JwtPayload } from './jwt.js';

export type ReverificationLevel = 'first_factor' | 'second_factor' | 'multi_factor';
export type ReverificationPreset = 'strict_mfa' | 'strict' | 'moderate' | 'lax';

export interface HasParams {
  role?: string;
  permission?: string;
  feature?: string;
  plan?: string;
  reverification?: ReverificationPreset | { level: ReverificationLevel; afterMinutes: number };
}

export interface SignedInAuth {
  isAuthenticated: true;
  tokenType: 'session_token';
  userId: string;
  sessionId: string | null;
  sessionStatus: string | null;
  actor: Record<string, unknown> | null;
  orgId: string | null;
  orgRole: string | null;
  orgSlug: string | null;
  orgPermissions: string[] | null;
  factorVerificationAge: [number, number] | null;
  /** Every claim of the session token (`sessionClaims` in the official SDKs). */
  claims: JwtPayload;
  sessionClaims: JwtPayload;
  /** The session token itself, or (with a template name) a token from that JWT template. */
  getToken(options?: { template?: string }): Promise<string | null>;
  has(params: HasParams): boolean;
}

export interface SignedOutAuth {
  isAuthenticated: false;
  tokenType: 'session_token';
  userId: null;
  sessionId: null;
  sessionStatus: null;
  actor: null;
  orgId: null;
  orgRole: null;
  orgSlug: null;
  orgPermissions: null;
  factorVerificationAge: null;
  claims: null;
  sessionClaims: null;
  getToken(): Promise<null>;
  has(params: HasParams): false;
}

export type Auth = SignedInAuth | SignedOutAuth;

const PRESETS: Record<ReverificationPreset, { level: ReverificationLevel; afterMinutes: number }> = {
  strict_mfa: { level: 'multi_factor', afterMinutes: 10 },
  strict: { level: 'second_factor', afterMinutes: 10 },
  moderate: { level: 'second_factor', afterMinutes: 60 },
  lax: { level: 'second_factor', afterMinutes: 1440 },
};

function orgScoped(entry: string): boolean {
  const scope = entry.split(':')[0] ?? '';
  return scope.includes('o');
}

/** `org:<feature>:<action>` permissions of a version-2 token (`fea` features × `o.fpm` bitmasks over `o.per`). */
export function v2Permissions(claims: JwtPayload): string[] {
  const o = claims.o;
  if (!o || !o.per || !o.fpm || typeof claims.fea !== 'string') return [];
  const actions = o.per.split(',');
  const masks = o.fpm.split(',').map((n) => Number.parseInt(n, 10));
  const features = claims.fea.split(',').filter((f) => f.includes(':') && orgScoped(f)).map((f) => f.slice(f.indexOf(':') + 1));
  const out: string[] = [];
  features.forEach((feature, i) => {
    const mask = masks[i] ?? 0;
    actions.forEach((action, bit) => {
      if (mask & (1 << bit)) out.push(`org:${feature}:${action}`);
    });
  });
  return out;
}

function withOrgPrefix(value: string): string {
  return value.startsWith('org:') ? value : `org:${value}`;
}

function listHas(list: string | undefined, wanted: string): boolean {
  if (!list) return false;
  const [scope, id] = wanted.includes(':') ? (wanted.split(':', 2) as [string, string]) : [null, wanted];
  return list.split(',').some((entry) => {
    const i = entry.indexOf(':');
    const s = i < 0 ? '' : entry.slice(0, i);
    const e = i < 0 ? entry : entry.slice(i + 1);
    return e === id && (scope === null || s.includes(scope));
  });
}

export function signedInAuth(claims: JwtPayload, token: string, templateToken?: (sessionId: string, template: string) => Promise<string>): SignedInAuth {
  const v2 = claims.v === 2;
  const orgId = v2 ? (claims.o?.id ?? null) : (claims.org_id ?? null);
  const orgRole = v2 ? (claims.o?.rol ? `org:${claims.o.rol}` : null) : (claims.org_role ?? null);
  const orgSlug = v2 ? (claims.o?.slg ?? null) : (claims.org_slug ?? null);
  const orgPermissions = orgId ? (v2 ? v2Permissions(claims) : (claims.org_permissions ?? [])) : null;
  const sessionId = typeof claims.sid === 'string' ? claims.sid : null;
  const fva = Array.isArray(claims.fva) && claims.fva.length === 2 ? claims.fva : null;
  return {
    isAuthenticated: true,
    tokenType: 'session_token',
    userId: claims.sub,
    sessionId,
    sessionStatus: typeof claims.sts === 'string' ? claims.sts : null,
    actor: claims.act ?? null,
    orgId,
    orgRole,
    orgSlug,
    orgPermissions,
    factorVerificationAge: fva,
    claims,
    sessionClaims: claims,
    async getToken(options) {
      if (!options?.template) return token;
      if (!templateToken || !sessionId) return null;
      return templateToken(sessionId, options.template);
    },
    has(params) {
      const checks: boolean[] = [];
      if (params.role !== undefined) checks.push(orgId !== null && orgRole !== null && withOrgPrefix(params.role) === withOrgPrefix(orgRole));
      if (params.permission !== undefined) checks.push(orgId !== null && (orgPermissions ?? []).includes(withOrgPrefix(params.permission)));
      if (params.feature !== undefined) checks.push(listHas(claims.fea, params.feature));
      if (params.plan !== undefined) checks.push(listHas(claims.pla, params.plan));
      if (params.reverification !== undefined) {
        const rule = typeof params.reverification === 'string' ? PRESETS[params.reverification] : params.reverification;
        if (!rule || !fva) checks.push(false);
        else {
          const [f1, f2] = fva;
          const ok1 = f1 !== -1 && f1 < rule.afterMinutes;
          const ok2 = f2 !== -1 && f2 < rule.afterMinutes;
          checks.push(rule.level === 'first_factor' ? ok1 : rule.level === 'second_factor' ? (f2 !== -1 ? ok2 : ok1) : f2 === -1 ? ok1 : ok1 && ok2);
        }
      }
      return checks.length > 0 && checks.every(Boolean);
    },
  };
}

export function signedOutAuth(): SignedOutAuth {
  return {
    isAuthenticated: false,
    tokenType: 'session_token',
    userId: null,
    sessionId: null,
    sessionStatus: null,
    actor: null,
    orgId: null,
    orgRole: null,
    orgSlug: null,
    orgPermissions: null,
    factorVerificationAge: null,
    claims: null,
    sessionClaims: null,
    getToken: async () => null,
    has: () => false,
  };
}
