/**
 * The `latch` command: start the server, apply migrations, manage secret keys.
 */
import { pino } from 'pino';
import { ConfigError, loadEnv, resolveConfig, type Config } from './config.js';
import { createServices, startServer } from './server.js';

const USAGE = `Usage: latch <command>

Commands:
  start                 run the server (migrations are applied first)
  migrate               apply pending database migrations and exit
  keys create [name]    mint a new secret key and print it once
  keys list             list secret keys (id, name, last four characters, state)
  keys revoke <id>      revoke a secret key; requests using it get 401 at once

Configuration comes from the environment and a .env file: see the README.`;

type Out = (line: string) => void;

async function withServices<T>(config: Config, work: (s: Awaited<ReturnType<typeof createServices>>) => Promise<T>): Promise<T> {
  const services = await createServices(config, { logger: pino({ level: 'silent' }) });
  try {
    return await work(services);
  } finally {
    await services.storage.close();
  }
}

/** Runs one CLI invocation; returns the process exit code. */
export async function runCli(argv: string[], env: Record<string, string | undefined>, out: Out = console.log, err: Out = console.error): Promise<number> {
  const [command, sub, arg] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    out(USAGE);
    return command ? 0 : 2;
  }
  let config: Config;
  try {
    config = resolveConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) {
      err(`latch: configuration error: ${e.message}`);
      return 2;
    }
    throw e;
  }
  switch (command) {
    case 'start': {
      const server = await startServer(config);
      const { bootstrap } = server;
      const log = server.services.logger;
      log.info({ url: server.url, database: config.databaseUrl.replace(/\/\/[^@]*@/, '//***@') }, 'Latch is listening');
      if (bootstrap.created) {
        out('');
        out(`  Latch instance ${bootstrap.instance.id} (${bootstrap.instance.environmentType}) created.`);
        out(`  Backend API:      ${config.publicUrl}/v1`);
        out(`  Publishable key:  ${server.publishableKey}`);
        if (bootstrap.newSecretKey) {
          out(`  Secret key:       ${bootstrap.newSecretKey}`);
          out('  The secret key is shown only this once; only its hash is stored. `latch keys create` mints more.');
        }
        out('');
      }
      const stop = (signal: string) => {
        log.info({ signal }, 'shutting down');
        server.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
      return new Promise<number>(() => undefined);
    }
    case 'migrate': {
      await withServices(config, async () => undefined);
      out('Migrations applied.');
      return 0;
    }
    case 'keys': {
      return withServices(config, async ({ keys, instance }) => {
        const boot = await instance.bootstrap(config.secretKey);
        if (sub === 'create') {
          const { key, info } = await keys.create(boot.instance.environmentType, arg ?? 'cli');
          out(`${info.id}  ${key}`);
          out('Store this secret key now: it is not shown again.');
          return 0;
        }
        if (sub === 'list') {
          for (const k of await keys.list()) {
            out(`${k.id}  ${k.name.padEnd(28)}  …${k.hint}  ${k.revokedAt ? `revoked ${new Date(k.revokedAt).toISOString()}` : 'active'}`);
          }
          return 0;
        }
        if (sub === 'revoke' && arg) {
          if (await keys.revoke(arg)) {
            out(`Revoked ${arg}.`);
            return 0;
          }
          err(`latch: no active key with id ${arg}`);
          return 1;
        }
        err(USAGE);
        return 2;
      });
    }
    default:
      err(`latch: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

export function main(): void {
  runCli(process.argv.slice(2), loadEnv()).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error('latch: fatal:', e);
      process.exit(1);
    },
  );
}
