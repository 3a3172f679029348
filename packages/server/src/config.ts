/**
 * Configuration: the environment (and a `.env` file when present) turned into one fully-defaulted,
 * validated object. Bad values fail at start-up with a message that names the variable.
 */
import { existsSync } from 'node:fs';
import { parse as parseDotenv } from 'dotenv';
import { readFileSync } from 'node:fs';
import { isSecretKeyShape } from '@latch/core';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  /** TCP port the server listens on. `LATCH_PORT`, default 4000. */
  port: number;
  /** Interface to bind. `LATCH_HOST`, default 127.0.0.1. */
  host: string;
  /** `sqlite:<path>` or `postgres://…`. `LATCH_DATABASE_URL`, default `sqlite:.latch/latch.db`. */
  databaseUrl: string;
  /** Public base URL of this server (image URLs, Frontend API host). `LATCH_PUBLIC_URL`, default http://<host>:<port>. */
  publicUrl: string;
  /** Pins a secret key so deployments and tests are reproducible. `LATCH_SECRET_KEY`. */
  secretKey: string | null;
  /** `LATCH_LOG_LEVEL`, default info. */
  logLevel: LogLevel;
  /** Largest accepted profile image, bytes. `LATCH_MAX_IMAGE_BYTES`, default 10 MiB. */
  maxImageBytes: number;
  /** Name of the application, used in e-mails. `LATCH_APP_NAME`, default `Latch`. */
  appName: string;
  /** The application's own URL. `LATCH_APP_URL`, default the public URL. */
  appUrl: string;
  /** Where invitations and allowlist notifications send people to sign up. `LATCH_SIGN_UP_URL`, default `<app url>/sign-up`. */
  signUpUrl: string;
  /** SMTP server for e-mail: `smtp://user:pass@host:587` or `smtps://…`. `LATCH_SMTP_URL`; none = dev outbox. */
  smtpUrl: string | null;
  /** Sender of e-mail, `Name <address>` or an address. `LATCH_SMTP_FROM`, default `Latch <no-reply@localhost>`. */
  smtpFrom: string;
  /** Twilio-compatible SMS provider; null = dev outbox. `LATCH_TWILIO_ACCOUNT_SID`, `…_AUTH_TOKEN`, `…_FROM`, `…_API_URL`. */
  twilio: { accountSid: string; authToken: string; from: string; apiUrl: string } | null;
  /** Redis for rate limits shared by several server processes: `redis://host:6379`. `LATCH_REDIS_URL`; none = in memory. */
  redisUrl: string | null;
  /**
   * Take the client's address from `X-Forwarded-For` (for rate limits and session activity): set when
   * Latch runs behind a proxy or load balancer that sets it. `LATCH_TRUST_PROXY`, default false.
   */
  trustProxy: boolean;
  /**
   * Keep the reads by key prepared on each PostgreSQL connection (planned once instead of on every run).
   * Turn off behind a pooler in transaction mode that does not track prepared statements (PgBouncer
   * before 1.21). `LATCH_DATABASE_PREPARED_STATEMENTS`, default true.
   */
  preparedStatements: boolean;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Reads `.env` from `cwd` when present; real environment variables win over the file. */
export function loadEnv(env: Record<string, string | undefined> = process.env, cwd = process.cwd()): Record<string, string | undefined> {
  const file = `${cwd}/.env`;
  const fromFile = existsSync(file) ? parseDotenv(readFileSync(file)) : {};
  return { ...fromFile, ...env };
}

function integer(env: Record<string, string | undefined>, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

/** Builds the validated configuration; throws ConfigError naming the offending variable. */
export function resolveConfig(env: Record<string, string | undefined>): Config {
  const port = integer(env, 'LATCH_PORT', 4000, 0, 65535);
  const host = env.LATCH_HOST || '127.0.0.1';
  const databaseUrl = env.LATCH_DATABASE_URL || 'sqlite:.latch/latch.db';
  if (!/^(sqlite:.+|postgres(ql)?:\/\/.+)$/.test(databaseUrl)) {
    throw new ConfigError('LATCH_DATABASE_URL', `must be "sqlite:<path>" or "postgres://…", got "${databaseUrl}"`);
  }
  let publicUrl = env.LATCH_PUBLIC_URL || `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  try {
    const u = new URL(publicUrl);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
    publicUrl = publicUrl.replace(/\/+$/, '');
  } catch {
    throw new ConfigError('LATCH_PUBLIC_URL', `must be an absolute http(s) URL, got "${publicUrl}"`);
  }
  const secretKey = env.LATCH_SECRET_KEY || null;
  if (secretKey !== null && !isSecretKeyShape(secretKey)) {
    throw new ConfigError('LATCH_SECRET_KEY', 'must look like sk_test_<20-128 letters and digits> or sk_live_…');
  }
  const logLevel = (env.LATCH_LOG_LEVEL || 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LATCH_LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const maxImageBytes = integer(env, 'LATCH_MAX_IMAGE_BYTES', 10 * 1024 * 1024, 1024, 100 * 1024 * 1024);
  const smtpUrl = env.LATCH_SMTP_URL || null;
  if (smtpUrl !== null) {
    let ok: boolean;
    try {
      const u = new URL(smtpUrl);
      ok = (u.protocol === 'smtp:' || u.protocol === 'smtps:') && u.hostname !== '';
    } catch {
      ok = false;
    }
    if (!ok) throw new ConfigError('LATCH_SMTP_URL', 'must be smtp://[user:pass@]host[:port] or smtps://…');
  }
  const smtpFrom = env.LATCH_SMTP_FROM || 'Latch <no-reply@localhost>';
  if (!/^([^<>]*<[^<>\s]+@[^<>\s]+>|[^<>\s]+@[^<>\s]+)$/.test(smtpFrom.trim())) {
    throw new ConfigError('LATCH_SMTP_FROM', `must be an address or "Name <address>", got "${smtpFrom}"`);
  }
  const twilioVars = ['LATCH_TWILIO_ACCOUNT_SID', 'LATCH_TWILIO_AUTH_TOKEN', 'LATCH_TWILIO_FROM'] as const;
  const givenTwilio = twilioVars.filter((v) => env[v]);
  if (givenTwilio.length > 0 && givenTwilio.length < twilioVars.length) {
    const missing = twilioVars.find((v) => !env[v]) as string;
    throw new ConfigError(missing, 'is required when any LATCH_TWILIO_* variable is set');
  }
  const twilioApiUrl = (env.LATCH_TWILIO_API_URL || 'https://api.twilio.com').replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+/.test(twilioApiUrl)) throw new ConfigError('LATCH_TWILIO_API_URL', 'must be an http(s) URL');
  const twilio =
    givenTwilio.length === twilioVars.length
      ? {
          accountSid: env.LATCH_TWILIO_ACCOUNT_SID as string,
          authToken: env.LATCH_TWILIO_AUTH_TOKEN as string,
          from: env.LATCH_TWILIO_FROM as string,
          apiUrl: twilioApiUrl,
        }
      : null;
  const url = (name: string, fallback: string): string => {
    const v = env[name] || fallback;
    try {
      const u = new URL(v);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
    } catch {
      throw new ConfigError(name, `must be an absolute http(s) URL, got "${v}"`);
    }
    return v.replace(/\/+$/, '');
  };
  const trustProxy = (env.LATCH_TRUST_PROXY ?? 'false').toLowerCase();
  if (!['true', 'false', '1', '0'].includes(trustProxy)) throw new ConfigError('LATCH_TRUST_PROXY', `must be true or false, got "${env.LATCH_TRUST_PROXY ?? ''}"`);
  const redisUrl = env.LATCH_REDIS_URL || null;
  if (redisUrl && !/^rediss?:\/\/[^/]+/.test(redisUrl)) throw new ConfigError('LATCH_REDIS_URL', 'must be redis://[user:pass@]host[:port][/db] or rediss://…');
  const prepared = (env.LATCH_DATABASE_PREPARED_STATEMENTS ?? 'true').toLowerCase();
  if (!['true', 'false', '1', '0'].includes(prepared)) {
    throw new ConfigError('LATCH_DATABASE_PREPARED_STATEMENTS', `must be true or false, got "${env.LATCH_DATABASE_PREPARED_STATEMENTS ?? ''}"`);
  }
  const appName = (env.LATCH_APP_NAME || 'Latch').slice(0, 100);
  const appUrl = url('LATCH_APP_URL', publicUrl);
  const signUpUrl = url('LATCH_SIGN_UP_URL', `${appUrl}/sign-up`);
  return {
    port,
    host,
    databaseUrl,
    publicUrl,
    secretKey,
    logLevel,
    maxImageBytes,
    appName,
    appUrl,
    signUpUrl,
    smtpUrl,
    smtpFrom: smtpFrom.trim(),
    twilio,
    redisUrl,
    trustProxy: trustProxy === 'true' || trustProxy === '1',
    preparedStatements: prepared === 'true' || prepared === '1',
  };
}
