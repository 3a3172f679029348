/**
 * Browser tests: Debian's Chromium driven by playwright-core, and a page server that serves a test page
 * and the official `@clerk/clerk-js` bundle from its npm `dist` folder (the SDK loads its lazy chunks
 * from beside its own script, under the exact version).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { join, normalize } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Browser tests need Chromium at ${CHROMIUM}: apt-get install -y chromium`);
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
}

const require = createRequire(import.meta.url);

/** The `dist` folder of an installed package. */
export function distOf(pkg: string): string {
  // Found on the module search path rather than through `require.resolve`: some packages do not export
  // their package.json.
  for (const dir of require.resolve.paths(pkg) ?? []) {
    if (existsSync(join(dir, pkg, 'package.json'))) return join(dir, pkg, 'dist');
  }
  throw new Error(`${pkg} is not installed`);
}

export interface PageServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `pages` (path → HTML) and every file under `/npm/<pkg>@<any version>/dist/` from the installed
 * package's dist folder, on 127.0.0.1. A package installed under an alias for one major version is given
 * as `{ name: '@clerk/clerk-js', major: 6, installedAs: '@clerk/clerk-js-6' }`: `/npm/@clerk/clerk-js@6…/`
 * paths are then served from it, other versions from the plain name.
 */
export async function startPageServer(pages: Record<string, string | (() => string)>, packages: (string | { name: string; major: number; installedAs: string })[]): Promise<PageServer> {
  const dists = new Map(packages.map((p) => (typeof p === 'string' ? [p, distOf(p)] : [`${p.name}@${p.major}`, distOf(p.installedAs)])));
  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const page = pages[path];
      if (page !== undefined) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(typeof page === 'function' ? page() : page);
        return;
      }
      const m = /^\/npm\/(@[^/]+\/[^@/]+|[^@/]+)@(\d+)[^/]*\/dist\/(.+)$/.exec(path);
      const dist = m ? (dists.get(`${m[1]}@${m[2]}`) ?? dists.get(m[1] as string)) : undefined;
      if (!m || !dist) {
        res.writeHead(404).end();
        return;
      }
      const file = normalize(join(dist, m[3] as string));
      if (!file.startsWith(dist)) {
        res.writeHead(403).end();
        return;
      }
      try {
        const body = await readFile(file);
        res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : 'application/octet-stream' }).end(body);
      } catch {
        res.writeHead(404).end();
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
