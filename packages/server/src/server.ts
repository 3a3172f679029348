/**
 * Starts a complete Latch server from a Config: storage, migrations, bootstrap, services, HTTP listener.
 * Tests and the CLI both use this, so what the tests exercise is what runs.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { pino, type Logger } from 'pino';
import { createApp } from './app.js';
import type { Config } from './config.js';
import { createInstanceService, publishableKeyFor, type BootstrapResult } from './domains/instance/service.js';
import { createKeyService } from './domains/keys/service.js';
import { createUsersService } from './domains/users/service.js';
import { openStorage, type Storage, type StorageOptions } from './storage/database.js';
import { migrateToLatest } from './storage/migrations.js';

export interface Services {
  storage: Storage;
  logger: Logger;
  keys: ReturnType<typeof createKeyService>;
  instance: ReturnType<typeof createInstanceService>;
  users: ReturnType<typeof createUsersService>;
}

/** Opens storage, applies migrations and builds every service. */
export async function createServices(config: Config, options: { logger?: Logger; storage?: StorageOptions } = {}): Promise<Services> {
  const logger = options.logger ?? pino({ level: config.logLevel });
  const storage = await openStorage(config.databaseUrl, options.storage);
  await migrateToLatest(storage);
  const keys = createKeyService(storage.db);
  const instance = createInstanceService(storage.db, keys);
  const users = createUsersService({ db: storage.db, dialect: storage.dialect, maxImageBytes: config.maxImageBytes });
  return { storage, logger, keys, instance, users };
}

export interface RunningServer {
  url: string;
  port: number;
  services: Services;
  bootstrap: BootstrapResult;
  publishableKey: string;
  close(): Promise<void>;
}

/** Starts the server and resolves once it listens. `config.port` 0 picks a free port. */
export async function startServer(config: Config, options: { logger?: Logger; storage?: StorageOptions } = {}): Promise<RunningServer> {
  const services = await createServices(config, options);
  const bootstrap = await services.instance.bootstrap(config.secretKey);
  // Listen first so an ephemeral port (0) is known before the app builds its public URLs.
  let handle: (request: Request) => Response | Promise<Response> = () => new Response('starting', { status: 503 });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: (request) => handle(request), port: config.port, hostname: config.host }, () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  const effective: Config = { ...config, port, publicUrl: config.publicUrl.replace(/:0$/, `:${port}`) };
  const app = createApp({ config: effective, ...services });
  handle = (request) => app.fetch(request);
  return {
    url,
    port,
    services,
    bootstrap,
    publishableKey: publishableKeyFor(bootstrap.instance.environmentType, effective.publicUrl),
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections would hold close() open; end them.
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      await services.storage.close();
    },
  };
}
