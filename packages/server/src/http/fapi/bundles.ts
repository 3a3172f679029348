/**
 * The official browser bundles, served by the Frontend API so an application on the official SDKs needs no
 * CDN: `GET /fapi/npm/@clerk/clerk-js@<version>/dist/<file>` and `GET /fapi/npm/@clerk/ui@<version>/dist/<file>`,
 * the paths the SDKs compute from the proxy URL (`@5`, `@6`, `@1`, `@latest`, and the exact versions the lazy
 * chunks are loaded under, e.g. `@clerk/ui@1.36.0/dist/signin_ui_58d0c7_1.36.0.js`).
 *
 * The files come from the packages installed beside the server (resolved like an import from here). They
 * are optional: a package that is not installed, or a version that does not match the installed one, is a
 * 404 whose message says what is installed. Only plain file names directly under `dist/` (or one folder
 * deeper) are served, so no path can leave the package.
 */
import { readFile, stat } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import type { Context, Env, Hono } from 'hono';
import { ApiError } from '../../errors.js';

/** The bundle packages the Frontend API can serve. */
export const BUNDLE_PACKAGES = ['@clerk/clerk-js', '@clerk/ui'] as const;
export type BundlePackage = (typeof BUNDLE_PACKAGES)[number];

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'application/javascript; charset=utf-8',
  '.mjs': 'application/javascript; charset=utf-8',
  '.cjs': 'application/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
};

/** One path segment: a file or folder name, no dot-only names, no separators, no encoded tricks. */
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.@+-]*$/;
const VERSION_TAG = /^(?:latest|\d+(?:\.\d+){0,2}(?:-[0-9A-Za-z.-]+)?)$/;

export interface InstalledBundle {
  name: BundlePackage;
  version: string;
  /** Absolute path of the package's `dist` folder. */
  dist: string;
}

/**
 * The installed package for a request; `major` is the major version asked for (absent for `@latest`),
 * so a resolver may find a second major installed under an alias.
 */
export type BundleResolver = (name: BundlePackage, major?: string) => InstalledBundle | null;

/**
 * Finds an installed package by its `package.json`, from `from` (default: this module). Another major
 * version can be installed beside it under the alias `<name>-<major>` (`npm install
 * @clerk/clerk-js-6@npm:@clerk/clerk-js@6`): a request for that major is served from the alias.
 */
export function installedBundleResolver(from: string = import.meta.url): BundleResolver {
  const require = createRequire(from);
  const cache = new Map<string, InstalledBundle | null>();
  const find = (name: BundlePackage, installedAs: string): InstalledBundle | null => {
    if (cache.has(installedAs)) return cache.get(installedAs) ?? null;
    let found: InstalledBundle | null = null;
    // Looked up on the module search path, not through `require.resolve`: not every package exports its package.json.
    const dir = (require.resolve.paths(installedAs) ?? []).map((d) => join(d, installedAs)).find((d) => existsSync(join(d, 'package.json')));
    if (dir) {
      try {
        const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: unknown };
        if (typeof version === 'string') found = { name, version, dist: join(dir, 'dist') };
      } catch {
        found = null;
      }
    }
    cache.set(installedAs, found);
    return found;
  };
  return (name, major) => {
    const plain = find(name, name);
    if (major === undefined || plain?.version.split('.')[0] === major) return plain;
    return find(name, `${name}-${major}`) ?? plain;
  };
}

/** Does a requested version (`5`, `5.128`, `5.128.0`, `latest`) name the installed one? */
export function versionMatches(requested: string, installed: string): boolean {
  if (requested === 'latest' || requested === installed) return true;
  if (requested.includes('-')) return false;
  const want = requested.split('.');
  const have = installed.split('-')[0]?.split('.') ?? [];
  // A range tag (major or major.minor) matches a release of that line, never a prerelease.
  return want.length < 3 && !installed.includes('-') && want.every((part, i) => part === have[i]);
}

function notServed(message: string, longMessage: string): ApiError {
  return new ApiError({ code: 'resource_not_found', message, longMessage });
}

/** Mounts `/fapi/npm/@clerk/<package>@<version>/dist/<file…>` on the Frontend API's app. */
export function mountBundles<E extends Env>(app: Hono<E>, resolve: BundleResolver = installedBundleResolver()): void {
  const serve = async (c: Context<E>): Promise<Response> => {
    // The raw path (still percent-encoded) is what is checked, so `%2e%2e` or `%2f` never become `..` or `/`.
    const raw = new URL(c.req.url).pathname;
    const name = BUNDLE_PACKAGES.find((n) => raw.startsWith(`/fapi/npm/${n}@`));
    if (!name) throw notServed('not found', `${raw} is not a bundle this server serves (${BUNDLE_PACKAGES.join(', ')}).`);
    const rest = raw.slice(`/fapi/npm/${name}@`.length);
    const at = rest.indexOf('/');
    const version = at < 0 ? rest : rest.slice(0, at);
    const segments = rest.slice(at + 1).split('/');
    if (!VERSION_TAG.test(version) || segments[0] !== 'dist' || segments.length < 2 || segments.length > 3 || !segments.slice(1).every((s) => SEGMENT.test(s) && !s.includes('..'))) {
      throw notServed('not found', `${raw} is not a bundle path: expected /fapi/npm/${name}@<version>/dist/<file>.`);
    }
    const installed = resolve(name, version === 'latest' ? undefined : version.split('.')[0]);
    if (!installed) {
      throw notServed('bundle not installed', `${name} is not installed beside the Latch server, so its browser bundles are not served here. Install it (npm install ${name}) or load the bundle from elsewhere.`);
    }
    if (!versionMatches(version, installed.version)) {
      throw notServed('bundle version not installed', `${name}@${version} is not installed beside the Latch server; the installed version is ${installed.version} (ask for @${installed.version.split('.')[0]}, @${installed.version} or @latest).`);
    }
    const file = join(installed.dist, ...segments.slice(1));
    if (!file.startsWith(installed.dist + sep)) throw notServed('not found', `${raw} is outside ${name}/dist.`);
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) throw notServed('bundle file not found', `${name}@${installed.version} has no file dist/${segments.slice(1).join('/')}.`);
    const body = await readFile(file);
    const dot = file.lastIndexOf('.');
    const type = CONTENT_TYPES[dot < 0 ? '' : file.slice(dot)] ?? 'application/octet-stream';
    // An exact version never changes; a tag (`@5`, `@latest`) moves with the installed package.
    const exact = version === installed.version;
    c.header('Cache-Control', exact ? 'public, max-age=31536000, immutable' : 'public, max-age=3600, stale-while-revalidate=86400');
    c.header('Content-Type', type);
    c.header('X-Content-Type-Options', 'nosniff');
    // Public files: any page may load them (`crossorigin="anonymous"` scripts send no credentials).
    c.header('Access-Control-Allow-Origin', '*');
    c.header('Access-Control-Allow-Credentials', undefined);
    c.header('Cross-Origin-Resource-Policy', 'cross-origin');
    return c.body(new Uint8Array(body), 200);
  };
  app.get('/fapi/npm/*', (c) => serve(c));
}
