/**
 * The `latch` command: start the server, apply migrations, manage secret keys.
 */
import { pino } from 'pino';
import { ConfigError, loadEnv, resolveConfig, type Config } from './config.js';
import { createServices, startServer } from './server.js';
import { listMessages } from './delivery/queue.js';
import { publishableKeyFor, type BootstrapResult } from './domains/instance/service.js';
import { runUsersImport } from './domains/users/import/command.js';
import type { ProgressSink } from './domains/users/import/progress.js';

const USAGE = `Usage: latch <command>

Commands:
  start                 run the server (migrations are applied first)
  migrate               apply pending database migrations and exit
  keys create [name]    mint a new secret key and print it once
  keys list             list secret keys (id, name, last four characters, state)
  keys revoke <id>      revoke a secret key; requests using it get 401 at once
  outbox [n]            show the newest n (default 20) queued and sent e-mails and SMS
  users import <file>   import users from Clerk's CSV export or JSON lines (POST /v1/users bodies)
      --format csv|jsonl      default: from the file name, else its first character
      --rejects <path>        where rejected rows go (default: <file>.rejects.jsonl)
      --batch-size <n>        users per transaction (default 10000)
      --apply-restrictions    refuse rows the allowlist/blocklist would refuse at sign-up
      On PostgreSQL batches commit with synchronous_commit = off: after a database crash,
      run the same command again (existing users are skipped) to import the last batches.

Configuration comes from the environment and a .env file: see the README.`;

type Out = (line: string) => void;

function printFirstStart(out: Out, config: Config, s: { bootstrap: BootstrapResult }, publishableKey: string): void {
  const { bootstrap } = s;
  if (!bootstrap.created) return;
  out('');
  out(`  Latch instance ${bootstrap.instance.id} (${bootstrap.instance.environmentType}) created.`);
  out(`  Backend API:      ${config.publicUrl}/v1`);
  out(`  Frontend API:     ${config.publicUrl}/fapi   (the browser SDK's proxyUrl)`);
  out(`  Publishable key:  ${publishableKey}`);
  if (bootstrap.newSecretKey) {
    out(`  Secret key:       ${bootstrap.newSecretKey}`);
    out('  The secret key is shown only this once; only its hash is stored. `latch keys create` mints more.');
  }
  out('');
}

async function withServices<T>(config: Config, out: Out, work: (s: Awaited<ReturnType<typeof createServices>>) => Promise<T>): Promise<T> {
  const services = await createServices(config, { logger: pino({ level: 'silent' }) });
  printFirstStart(out, config, services, publishableKeyFor(services.bootstrap.instance.environmentType, config.publicUrl));
  try {
    return await work(services);
  } finally {
    await services.storage.close();
  }
}

/** Runs one CLI invocation; returns the process exit code. */
export async function runCli(
  argv: string[],
  env: Record<string, string | undefined>,
  out: Out = console.log,
  err: Out = console.error,
  progress: ProgressSink = process.stderr,
): Promise<number> {
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
      const log = server.services.logger;
      log.info({ url: server.url, database: config.databaseUrl.replace(/\/\/[^@]*@/, '//***@') }, 'Latch is listening');
      printFirstStart(out, config, server, server.publishableKey);
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
      await withServices(config, out, async () => undefined);
      out('Migrations applied.');
      return 0;
    }
    case 'outbox': {
      const limit = sub && /^\d{1,4}$/.test(sub) ? Number(sub) : 20;
      return withServices(config, out, async ({ storage }) => {
        const messages = await listMessages(storage.db, { limit });
        if (!messages.length) out('The outbox is empty.');
        for (const m of messages.reverse()) {
          out(`${new Date(m.created_at).toISOString()}  ${m.kind.padEnd(5)}  ${m.status.padEnd(9)}  ${m.id}  to ${m.to_address}`);
          if (m.subject) out(`  Subject: ${m.subject}`);
          out(`  ${(m.body_plain ?? m.body).replace(/\s+/g, ' ').slice(0, 400)}`);
          if (m.last_error) out(`  Last error: ${m.last_error}`);
          out('');
        }
        return 0;
      });
    }
    case 'keys': {
      return withServices(config, out, async ({ keys, bootstrap }) => {
        if (sub === 'create') {
          const { key, info } = await keys.create(bootstrap.instance.environmentType, arg ?? 'cli');
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
    case 'users': {
      if (sub !== 'import') {
        err(USAGE);
        return 2;
      }
      const parsed = parseImportArgs(argv.slice(2));
      if (typeof parsed === 'string') {
        err(`latch: ${parsed}\n\n${USAGE}`);
        return 2;
      }
      return withServices(config, out, (services) => runUsersImport(services, parsed, out, err, progress));
    }
    default:
      err(`latch: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

/** `users import` arguments, or the problem with them. */
function parseImportArgs(args: string[]): Parameters<typeof runUsersImport>[1] | string {
  let file: string | undefined;
  const opts: Omit<Parameters<typeof runUsersImport>[1], 'file'> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    try {
      if (a === '--format') {
        const f = value();
        if (f !== 'csv' && f !== 'jsonl') return '--format must be csv or jsonl';
        opts.format = f;
      } else if (a === '--rejects') opts.rejects = value();
      else if (a === '--batch-size') {
        const b = Number(value());
        if (!Number.isInteger(b) || b < 1 || b > 10000) return '--batch-size must be an integer from 1 to 10000';
        opts.batchSize = b;
      } else if (a === '--apply-restrictions') opts.applyRestrictions = true;
      else if (a.startsWith('--')) return `unknown option ${a}`;
      else if (file === undefined) file = a;
      else return `unexpected argument ${a}`;
    } catch (e) {
      return (e as Error).message;
    }
  }
  if (!file) return 'users import needs a file';
  return { file, ...opts };
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
