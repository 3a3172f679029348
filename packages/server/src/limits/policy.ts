/**
 * How much of each kind of attempt Latch allows, and the lockout of accounts under password guessing.
 * One module, so the numbers are decided in one place and shown to the SDK (`attack_protection`) from it.
 */
import { RateLimitError, ApiError } from '../errors.js';
import type { RateLimiter } from './rate-limiter.js';

export const LIMITS = {
  /** Sign-ins and sign-ups started from one IP address. */
  createPerIp: { limit: 30, windowSeconds: 60 },
  /** Factor and verification attempts from one IP address. */
  attemptPerIp: { limit: 60, windowSeconds: 60 },
  /** Sign-ins started for one identifier, from anywhere. */
  createPerIdentifier: { limit: 20, windowSeconds: 600 },
  /** Verification codes a signed-in user has sent to their own new addresses and numbers. */
  sendPerUser: { limit: 10, windowSeconds: 600 },
} as const;

/** Failed first- and second-factor attempts that lock an account, and for how long (instance settings). */
export interface LockoutSettings {
  max_attempts: number;
  duration_minutes: number;
}

export interface Guard {
  /** Counts one hit against `key`; throws a 429 with Retry-After when over the limit. */
  check(kind: keyof typeof LIMITS, key: string): Promise<void>;
  /** Throws `user_locked` while the user has too many recent failures. */
  assertNotLockedOut(userId: string): Promise<void>;
  /** Records a failed attempt for the user; returns the attempts left before the lockout. */
  recordFailure(userId: string): Promise<number>;
  /** Clears the user's failures after a successful sign-in. */
  clearFailures(userId: string): Promise<void>;
}

export function createGuard(limiter: RateLimiter, lockout: () => Promise<LockoutSettings>): Guard {
  const failureKey = (userId: string) => `fail:${userId}`;
  return {
    async check(kind, key) {
      const { limit, windowSeconds } = LIMITS[kind];
      const r = await limiter.hit(`${kind}:${key}`, limit, windowSeconds);
      if (!r.allowed) throw new RateLimitError(r.retryAfterSeconds);
    },
    async assertNotLockedOut(userId) {
      const l = await lockout();
      const failures = await limiter.peek(failureKey(userId), l.duration_minutes * 60);
      if (failures >= l.max_attempts) {
        throw new ApiError({
          code: 'user_locked',
          longMessage: 'Your account is locked after too many failed attempts. Try again later.',
          paramName: 'identifier',
          meta: { lockout_expires_in_seconds: l.duration_minutes * 60 },
        });
      }
    },
    async recordFailure(userId) {
      const l = await lockout();
      const r = await limiter.hit(failureKey(userId), l.max_attempts, l.duration_minutes * 60);
      return Math.max(0, l.max_attempts - r.count);
    },
    async clearFailures(userId) {
      await limiter.reset(failureKey(userId));
    },
  };
}
