/**
 * Fixed-window rate limits: at most `limit` hits per key per window. In memory for one process; in Redis
 * (one round trip per hit: INCR, and EXPIRE on the first hit of a window) when several processes must
 * share the counts. A Redis outage fails open with a logged warning: sign-in keeps working unthrottled
 * rather than failing for everyone.
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface LimitResult {
  allowed: boolean;
  /** Hits in the current window, this one included. */
  count: number;
  /** Seconds until the window resets. */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  hit(key: string, limit: number, windowSeconds: number): Promise<LimitResult>;
  /** The count of a key without adding a hit. */
  peek(key: string, windowSeconds: number): Promise<number>;
  /** Forgets a key (e.g. failed attempts after a success). */
  reset(key: string): Promise<void>;
  close(): Promise<void>;
}

export function memoryRateLimiter(now: () => number = Date.now): RateLimiter {
  const windows = new Map<string, { count: number; resetAt: number }>();
  let sweptAt = now();
  function sweep(t: number) {
    if (t - sweptAt < 60_000) return;
    sweptAt = t;
    for (const [k, w] of windows) if (w.resetAt <= t) windows.delete(k);
  }
  function current(key: string, windowSeconds: number, t: number) {
    let w = windows.get(key);
    if (!w || w.resetAt <= t) {
      w = { count: 0, resetAt: t + windowSeconds * 1000 };
      windows.set(key, w);
    }
    return w;
  }
  return {
    async hit(key, limit, windowSeconds) {
      const t = now();
      sweep(t);
      const w = current(key, windowSeconds, t);
      w.count += 1;
      return { allowed: w.count <= limit, count: w.count, retryAfterSeconds: Math.max(1, Math.ceil((w.resetAt - t) / 1000)) };
    },
    async peek(key) {
      const w = windows.get(key);
      return w && w.resetAt > now() ? w.count : 0;
    },
    async reset(key) {
      windows.delete(key);
    },
    async close() {
      windows.clear();
    },
  };
}

export function redisRateLimiter(url: string, logger: Logger, prefix = 'latch:rl:'): RateLimiter {
  // Commands wait for the connection (offline queue) but give up after one retry, so an outage fails open quickly.
  const redis = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 2000 });
  redis.on('error', (err: Error) => logger.warn({ err }, 'redis unavailable for rate limits'));
  return {
    async hit(key, limit, windowSeconds) {
      try {
        const k = prefix + key;
        const result = await redis.multi().incr(k).expire(k, windowSeconds, 'NX').ttl(k).exec();
        const count = Number(result?.[0]?.[1] ?? 0);
        const ttl = Number(result?.[2]?.[1] ?? windowSeconds);
        return { allowed: count <= limit, count, retryAfterSeconds: Math.max(1, ttl) };
      } catch (err) {
        logger.warn({ err, key }, 'rate limit not enforced: redis failed');
        return { allowed: true, count: 0, retryAfterSeconds: 0 };
      }
    },
    async peek(key) {
      try {
        return Number((await redis.get(prefix + key)) ?? 0);
      } catch {
        return 0;
      }
    },
    async reset(key) {
      await redis.del(prefix + key).catch(() => undefined);
    },
    async close() {
      redis.disconnect();
    },
  };
}
