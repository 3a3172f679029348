#!/usr/bin/env node
/**
 * The `latch` command's entry point. npm links a package's bins when it installs, before anything is
 * built, and skips a bin whose file does not exist yet: pointing the bin at `dist/main.js` left a fresh
 * clone without `npx latch`. This file is in the repository, so the link always exists; it runs the
 * built CLI, building it first when it is missing (a source checkout where `npm start` has not run).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/main.js', import.meta.url);

if (!existsSync(entry)) {
  const packageDir = fileURLToPath(new URL('..', import.meta.url));
  // Only a source checkout has a tsconfig.json here; a published package ships dist/ built.
  if (!existsSync(new URL('../tsconfig.json', import.meta.url))) {
    console.error(`latch: ${fileURLToPath(entry)} is missing and this is not a source checkout to build it from.`);
    process.exit(1);
  }
  let tsc;
  try {
    tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    console.error('latch: the server is not built and TypeScript is not installed: run `npm install` in the repository.');
    process.exit(1);
  }
  console.error('latch: building the server (first run in this checkout) …');
  // `tsc -b` on the server package builds what it references (@latch/core) too.
  const built = spawnSync(process.execPath, [tsc, '-b', packageDir], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (built.status !== 0 || !existsSync(entry)) {
    console.error('latch: the build failed; run `npm run build` in the repository to see why.');
    process.exit(1);
  }
}

await import(entry.href);
