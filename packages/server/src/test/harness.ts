/**
 * Test harness: starts the real server on an ephemeral port against a fresh database. SQLite always;
 * PostgreSQL too when LATCH_TEST_POSTGRES_URL is set, each run in its own schema so runs never see each
 * other's rows.
 */
import type { JwkJSON } from '@latch/core';
import { publicPemOf } from '../crypto/signing-keys.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newSecretKey, randomToken } from '@latch/core';
import { pino } from 'pino';
import { resolveConfig, type Config } from '../config.js';
import { startServer, type RunningServer } from '../server.js';
import { dropPostgresSchema, openStorage, type Storage, type StorageOptions } from '../storage/database.js';

export type TestDialect = 'sqlite' | 'postgres';

/** The dialects this run covers: SQLite, plus PostgreSQL when LATCH_TEST_POSTGRES_URL is set. */
export function testDialects(): TestDialect[] {
  return process.env.LATCH_TEST_POSTGRES_URL ? ['sqlite', 'postgres'] : ['sqlite'];
}

export interface TestDatabase {
  url: string;
  schema?: string;
  cleanup(): Promise<void>;
}

/** A fresh, empty database of the given dialect. */
export function freshDatabase(dialect: TestDialect): TestDatabase {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'latch-test-'));
    return { url: `sqlite:${join(dir, 'latch.db')}`, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const url = process.env.LATCH_TEST_POSTGRES_URL;
  if (!url) throw new Error('LATCH_TEST_POSTGRES_URL is not set');
  const schema = `latch_test_${randomToken(12).toLowerCase()}`;
  return { url, schema, cleanup: () => dropPostgresSchema(url, schema) };
}

/** A storage handle of its own on a test database (its schema on PostgreSQL). */
export function openTestStorage(database: TestDatabase, options: StorageOptions = {}): Promise<Storage> {
  return openStorage(database.url, { ...(database.schema ? { schema: database.schema } : {}), ...options });
}

export interface TestServer {
  url: string;
  apiUrl: string;
  secretKey: string;
  server: RunningServer;
  config: Config;
  /** The server's database, for tests that check what it stored with their own connection. */
  database: TestDatabase;
  /** fetch against the BAPI with the secret key. */
  api(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

/**
 * Starts a real server with a pinned secret key on a fresh database: a development instance, or the
 * instance type of `env.LATCH_SECRET_KEY` when one is given.
 */
export async function startTestServer(dialect: TestDialect = 'sqlite', env: Record<string, string> = {}): Promise<TestServer> {
  const database = freshDatabase(dialect);
  const secretKey = env.LATCH_SECRET_KEY ?? newSecretKey('development');
  const config = resolveConfig({
    LATCH_PORT: '0',
    LATCH_HOST: '127.0.0.1',
    LATCH_DATABASE_URL: database.url,
    LATCH_SECRET_KEY: secretKey,
    LATCH_PUBLIC_URL: 'http://127.0.0.1:0',
    ...env,
  });
  let server: RunningServer;
  try {
    server = await startServer(config, {
      logger: pino({ level: process.env.LATCH_TEST_LOG_LEVEL ?? 'silent' }),
      ...(database.schema ? { storage: { schema: database.schema } } : {}),
    });
  } catch (err) {
    await database.cleanup();
    throw err;
  }
  const url = server.url;
  return {
    url,
    apiUrl: url,
    secretKey,
    server,
    config,
    database,
    api(path, init = {}) {
      const { json, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (!headers.has('authorization')) headers.set('authorization', `Bearer ${secretKey}`);
      if (json !== undefined) headers.set('content-type', 'application/json');
      return fetch(`${url}/v1${path}`, { ...rest, headers, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) });
    },
    async close() {
      await server.close();
      await database.cleanup();
    },
  };
}

/** The PEM of the server's signing key, as an application passes it to `verifyToken({ jwtKey })`. */
export async function jwtKeyOf(t: TestServer): Promise<string> {
  const jwks = (await (await t.api('/jwks')).json()) as { keys: JwkJSON[] };
  return publicPemOf(jwks.keys[0] as JwkJSON);
}
