/**
 * The official browser bundles served by the Frontend API: from the installed `@clerk/clerk-js` on a real
 * server (tags and exact-version chunk paths, content types, cache headers), a clear 404 for a package or
 * version that is not installed, and no way out of the package's `dist` folder whatever the path's spelling.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzParams } from '../../test/fuzz-kit.js';
import { startTestServer, type TestServer } from '../../test/harness.js';
import type { ApiError } from '../../errors.js';
import { errorEnvelope, notFoundError } from '../error-response.js';
import { mountBundles, versionMatches, type BundleResolver } from './bundles.js';

const require = createRequire(import.meta.url);
const clerkJsDir = dirname(require.resolve('@clerk/clerk-js/package.json'));
const clerkJsVersion = (require('@clerk/clerk-js/package.json') as { version: string }).version;

/** A GET with the path sent exactly as written (fetch would normalize `..` away). */
function rawGet(base: string, path: string): Promise<{ status: number; body: string; type: string | undefined }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, path, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), type: res.headers['content-type'] }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('GET /fapi/npm/… on a real server', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.close();
  });

  it('serves clerk.browser.js under the major tag, latest and the exact version, with a JS type and cache headers', async () => {
    const file = readFileSync(join(clerkJsDir, 'dist', 'clerk.browser.js'));
    const major = clerkJsVersion.split('.')[0] as string;
    for (const tag of [major, 'latest', clerkJsVersion]) {
      const res = await fetch(`${t.url}/fapi/npm/@clerk/clerk-js@${tag}/dist/clerk.browser.js`, { headers: { origin: 'http://elsewhere.example' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/javascript; charset=utf-8');
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('cache-control')).toMatch(tag === clerkJsVersion ? /max-age=31536000, immutable/ : /^public, max-age=3600/);
      expect(Buffer.from(await res.arrayBuffer()).equals(file)).toBe(true);
    }
  });

  it('serves a lazy chunk under its exact-version path and a source map as JSON', async () => {
    const names = readdirSync(join(clerkJsDir, 'dist'));
    const chunk = names.find((n) => n.endsWith(`_${clerkJsVersion}.js`) && n.includes('clerk.browser_'));
    expect(chunk).toBeDefined();
    const res = await fetch(`${t.url}/fapi/npm/@clerk/clerk-js@${clerkJsVersion}/dist/${chunk}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await res.text()).toBe(readFileSync(join(clerkJsDir, 'dist', chunk as string), 'utf8'));
    const map = names.find((n) => n.endsWith('.map'));
    if (map) expect((await fetch(`${t.url}/fapi/npm/@clerk/clerk-js@${clerkJsVersion}/dist/${map}`)).headers.get('content-type')).toBe('application/json; charset=utf-8');
  });

  it('answers a version that is not installed, a missing file and a non-bundle package with a 404 envelope', async () => {
    // Major 6 is installed too (under an alias, below); nothing of major + 2 is.
    const other = `${Number(clerkJsVersion.split('.')[0]) + 2}`;
    const wrong = await fetch(`${t.url}/fapi/npm/@clerk/clerk-js@${other}/dist/clerk.browser.js`);
    expect(wrong.status).toBe(404);
    const body = (await wrong.json()) as { errors: { code: string; long_message: string }[] };
    expect(body.errors[0]?.code).toBe('resource_not_found');
    expect(body.errors[0]?.long_message).toContain(`the installed version is ${clerkJsVersion}`);
    const missing = await fetch(`${t.url}/fapi/npm/@clerk/clerk-js@${clerkJsVersion}/dist/nope.js`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { errors: { message: string }[] }).errors[0]?.message).toBe('bundle file not found');
    expect((await fetch(`${t.url}/fapi/npm/@clerk/backend@3/dist/index.js`)).status).toBe(404);
    expect((await fetch(`${t.url}/fapi/npm/@clerk/clerk-js@5/package.json`)).status).toBe(404);
  });

  it('serves a second major installed under the alias <name>-<major> (clerk-js 6 beside 5), and the real @clerk/ui', async () => {
    const six = await fetch(`${t.url}/fapi/npm/@clerk/clerk-js@6/dist/clerk.browser.js`);
    expect(six.status).toBe(200);
    expect((await six.text()).includes('6.40.0')).toBe(true);
    expect((await fetch(`${t.url}/fapi/npm/@clerk/clerk-js@6.40.0/dist/clerk.browser.js`)).headers.get('cache-control')).toContain('immutable');
    const five = await fetch(`${t.url}/fapi/npm/@clerk/clerk-js@5/dist/clerk.browser.js`);
    expect((await five.text()).includes(clerkJsVersion)).toBe(true);
    const ui = await fetch(`${t.url}/fapi/npm/@clerk/ui@1/dist/ui.browser.js`);
    expect(ui.status).toBe(200);
    expect(ui.headers.get('content-type')).toContain('javascript');
  });

  it('never leaves dist, however the path is spelled', async () => {
    const tries = [
      '/fapi/npm/@clerk/clerk-js@5/dist/../package.json',
      '/fapi/npm/@clerk/clerk-js@5/dist/%2e%2e/package.json',
      '/fapi/npm/@clerk/clerk-js@5/dist/%2E%2E%2Fpackage.json',
      '/fapi/npm/@clerk/clerk-js@5/dist/..%2fpackage.json',
      '/fapi/npm/@clerk/clerk-js@5/dist/..%5cpackage.json',
      '/fapi/npm/@clerk/clerk-js@5/dist/%2fetc%2fpasswd',
      '/fapi/npm/@clerk/clerk-js@5/dist//etc/passwd',
      '/fapi/npm/@clerk/clerk-js@../../../etc/passwd',
      '/fapi/npm/@clerk/clerk-js@5/dist/.%2e/.%2e/.%2e/etc/passwd',
      '/fapi/npm/@clerk/clerk-js@5/dist/chunks/../../package.json',
      '/fapi/npm/@clerk/clerk-js@5/../../backend/package.json',
    ];
    for (const path of tries) {
      const res = await rawGet(t.url, path);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      expect(res.body, path).not.toContain('"version"');
      expect(res.body, path).not.toContain('root:');
    }
  });
});

describe('mountBundles with a given resolver', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'latch-bundles-'));
    mkdirSync(join(dir, 'dist', 'chunks'), { recursive: true });
    writeFileSync(join(dir, 'dist', 'ui.browser.js'), 'window.__ui = 1;');
    writeFileSync(join(dir, 'dist', 'ui.css'), 'body{}');
    writeFileSync(join(dir, 'dist', 'chunks', 'a_1.36.0.js'), 'a');
    writeFileSync(join(dir, 'secret.txt'), 'TOP-SECRET-CONTENT');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function app(resolve: BundleResolver): Hono {
    const h = new Hono();
    mountBundles(h, resolve);
    h.onError((err, c) => errorEnvelope(c, err as ApiError, 'trace'));
    h.notFound((c) => errorEnvelope(c, notFoundError(c), 'trace'));
    return h;
  }

  it('says plainly when a package is not installed', async () => {
    const res = await app(() => null).request('/fapi/npm/@clerk/ui@1/dist/ui.browser.js');
    expect(res.status).toBe(404);
    const body = (await res.json()) as { errors: { message: string; long_message: string }[] };
    expect(body.errors[0]?.message).toBe('bundle not installed');
    expect(body.errors[0]?.long_message).toContain('npm install @clerk/ui');
  });

  it('serves @clerk/ui by tag and exact version, one folder deep, CSS with its type, nothing above dist', async () => {
    const h = app((name) => (name === '@clerk/ui' ? { name, version: '1.36.0', dist: join(dir, 'dist') } : null));
    const js = await h.request('/fapi/npm/@clerk/ui@1/dist/ui.browser.js');
    expect(js.status).toBe(200);
    expect(await js.text()).toBe('window.__ui = 1;');
    expect((await h.request('/fapi/npm/@clerk/ui@1.36.0/dist/ui.css')).headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await (await h.request('/fapi/npm/@clerk/ui@1.36.0/dist/chunks/a_1.36.0.js')).text()).toBe('a');
    expect((await h.request('/fapi/npm/@clerk/ui@1.35.0/dist/ui.browser.js')).status).toBe(404);
    expect((await h.request('/fapi/npm/@clerk/ui@2/dist/ui.browser.js')).status).toBe(404);
    expect((await h.request('/fapi/npm/@clerk/ui@1/dist/%2e%2e/secret.txt')).status).toBe(404);
    expect((await h.request('/fapi/npm/@clerk/ui@1/dist/chunks')).status).toBe(404);
  });

  it('any path under /fapi/npm is a file of dist or a 404 envelope, never a 5xx or a file outside dist (property)', async () => {
    const h = app((name) => (name === '@clerk/ui' ? { name, version: '1.36.0', dist: join(dir, 'dist') } : null));
    const piece = fc.oneof(
      fc.constantFrom('..', '.', '%2e%2e', '%2E.', '%2f', '%5c', '\\', '', 'dist', 'chunks', 'ui.browser.js', 'a_1.36.0.js', 'secret.txt', '@clerk', 'ui@1', 'ui@1.36.0', '%00', '%252e%252e', '~'),
      fc.string({ maxLength: 8 }).map(encodeURIComponent),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 7 }), async (parts) => {
        // (A path that dot-segments lift out of /fapi/npm is the app's ordinary 404.)
        const res = await h.request(`http://x/fapi/npm/@clerk/ui@${parts.join('/')}`);
        expect([200, 404]).toContain(res.status);
        const text = await res.text();
        expect(text).not.toContain('TOP-SECRET-CONTENT');
        if (res.status === 404) expect((JSON.parse(text) as { errors: { code: string }[] }).errors[0]?.code).toBe('resource_not_found');
        else expect(['window.__ui = 1;', 'body{}', 'a']).toContain(text);
      }),
      fuzzParams(300),
    );
  });

  it('matches versions by tag, line and exact release', () => {
    expect(versionMatches('5', '5.128.0')).toBe(true);
    expect(versionMatches('5.128', '5.128.0')).toBe(true);
    expect(versionMatches('5.128.0', '5.128.0')).toBe(true);
    expect(versionMatches('latest', '5.128.0')).toBe(true);
    expect(versionMatches('5.127', '5.128.0')).toBe(false);
    expect(versionMatches('5.128.1', '5.128.0')).toBe(false);
    expect(versionMatches('6', '5.128.0')).toBe(false);
    expect(versionMatches('5', '5.129.0-beta.1')).toBe(false);
    expect(versionMatches('5.129.0-beta.1', '5.129.0-beta.1')).toBe(true);
  });
});
