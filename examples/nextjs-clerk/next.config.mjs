import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

/** @type {import('next').NextConfig} */
export default {
  // The workspace root, where npm hoists the dependencies.
  turbopack: { root },
  outputFileTracingRoot: root,
};
