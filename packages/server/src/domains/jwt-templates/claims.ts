/**
 * The claims engine: a JWT template's claims with `{{…}}` shortcodes resolved from the user.
 *
 * A string that is exactly one shortcode (`"{{user.public_metadata.role}}"`) becomes the value itself, of
 * whatever JSON type (null when absent). A shortcode inside a longer string is interpolated as text (absent:
 * empty). Alternatives are tried in order: `{{user.username || user.first_name || 'anonymous'}}`; a quoted
 * literal ends the chain. Objects and arrays are walked; other JSON values pass through.
 *
 * What a shortcode may read: `user.id`, `external_id`, `first_name`, `last_name`, `full_name`, `username`,
 * `primary_email_address`, `primary_phone_number`, `image_url`, `has_image`, `created_at`, `updated_at`,
 * `two_factor_enabled`, `public_metadata(.*)`, `unsafe_metadata(.*)`.
 *
 * Never `user.private_metadata`: a template's token is also minted for the browser (the Frontend API's
 * `getToken({ template })`), so private metadata in a claim would reach the page. Templates that name it
 * are refused when saved (`validateClaimsTemplate`).
 *
 * @example
 * renderClaims({ role: '{{user.public_metadata.role}}', hi: 'Hi {{user.first_name}}' }, user)
 * // → { role: 'admin', hi: 'Hi Ada' }
 */

/** The user as a template sees it. */
export interface ClaimsUser {
  id: string;
  external_id: string | null;
  first_name: string | null;
  last_name: string | null;
  username: string | null;
  primary_email_address: string | null;
  primary_phone_number: string | null;
  image_url: string;
  has_image: boolean;
  created_at: number;
  updated_at: number;
  two_factor_enabled: boolean;
  public_metadata: Record<string, unknown>;
  unsafe_metadata: Record<string, unknown>;
}

const SHORTCODE = /\{\{\s*([^{}]*?)\s*\}\}/g;
const WHOLE = /^\{\{\s*([^{}]*?)\s*\}\}$/;
const FIELDS = new Set([
  'id',
  'external_id',
  'first_name',
  'last_name',
  'full_name',
  'username',
  'primary_email_address',
  'primary_phone_number',
  'image_url',
  'has_image',
  'created_at',
  'updated_at',
  'two_factor_enabled',
]);
const METADATA = new Set(['public_metadata', 'unsafe_metadata']);

/** Claims a template may not set: the token's own registered and session claims. */
export const RESERVED_CLAIMS = new Set(['azp', 'exp', 'iat', 'iss', 'jti', 'nbf', 'sub', 'sid', 'sts', 'v', 'o', 'fva', 'act', 'org_id', 'org_role', 'org_slug', 'org_permissions']);

type Term = { kind: 'literal'; value: string } | { kind: 'path'; path: string[] };

/** Why a template is refused, naming the offending expression; null when it is fine. */
export function shortcodeProblem(expr: string): string | null {
  for (const term of expr.split('||').map((s) => s.trim())) {
    if (/^'[^']*'$|^"[^"]*"$/.test(term)) continue;
    const path = term.split('.');
    if (path[0] !== 'user' || path.length < 2 || path.some((p) => p === '')) return `"{{${expr}}}" is not a shortcode (they start with "user.").`;
    const field = path[1] as string;
    if (field === 'private_metadata') return 'Templates cannot read user.private_metadata: their tokens can reach the browser.';
    if (METADATA.has(field)) continue;
    if (!FIELDS.has(field) || path.length > 2) return `Unknown shortcode "${term}".`;
  }
  return null;
}

function parse(expr: string): Term[] {
  return expr.split('||').map((raw) => {
    const s = raw.trim();
    if (/^'[^']*'$|^"[^"]*"$/.test(s)) return { kind: 'literal', value: s.slice(1, -1) };
    return { kind: 'path', path: s.split('.').slice(1) };
  });
}

function lookup(user: ClaimsUser, path: string[]): unknown {
  const [field, ...rest] = path;
  if (field === undefined) return undefined;
  if (field === 'full_name') return [user.first_name, user.last_name].filter(Boolean).join(' ') || null;
  if (METADATA.has(field)) {
    let v: unknown = user[field as 'public_metadata' | 'unsafe_metadata'];
    for (const key of rest) {
      if (v === null || typeof v !== 'object' || Array.isArray(v) || !Object.hasOwn(v, key)) return undefined;
      v = (v as Record<string, unknown>)[key];
    }
    return v;
  }
  if (!FIELDS.has(field) || rest.length) return undefined;
  return user[field as keyof ClaimsUser];
}

/** The value of one `{{…}}` expression: the first alternative that is present and not empty. */
function evaluate(user: ClaimsUser, expr: string): unknown {
  for (const term of parse(expr)) {
    if (term.kind === 'literal') return term.value;
    const v = lookup(user, term.path);
    if (v !== undefined && v !== null && v !== '') return v;
  }
  return null;
}

function render(value: unknown, user: ClaimsUser): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value);
    if (whole) return evaluate(user, whole[1] as string);
    return value.replace(SHORTCODE, (_, expr: string) => {
      const v = evaluate(user, expr);
      return v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v as string | number | boolean);
    });
  }
  if (Array.isArray(value)) return value.map((v) => render(v, user));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = render(v, user);
    return out;
  }
  return value;
}

/** The template's claims with every shortcode resolved from `user`. */
export function renderClaims(template: Record<string, unknown>, user: ClaimsUser): Record<string, unknown> {
  return render(template, user) as Record<string, unknown>;
}

/**
 * Checks a claims template before it is stored: a JSON object, no reserved claim at the top, every
 * shortcode known (and none reading private metadata). Returns the problem, or null.
 */
export function validateClaimsTemplate(claims: Record<string, unknown>): string | null {
  for (const key of Object.keys(claims)) if (RESERVED_CLAIMS.has(key)) return `"${key}" is set by Latch and cannot be customized.`;
  const walk = (v: unknown): string | null => {
    if (typeof v === 'string') {
      for (const m of v.matchAll(SHORTCODE)) {
        const problem = shortcodeProblem(m[1] as string);
        if (problem) return problem;
      }
      return null;
    }
    if (Array.isArray(v)) {
      for (const x of v) {
        const p = walk(x);
        if (p) return p;
      }
      return null;
    }
    if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k.includes('{{')) return 'Claim names cannot contain shortcodes.';
        const p = walk(x);
        if (p) return p;
      }
    }
    return null;
  };
  return walk(claims);
}
