/**
 * Helpers for the suites that drive the server with the official @clerk/backend SDK.
 */
import { isClerkAPIResponseError, type ClerkAPIResponseError } from '@clerk/backend/errors';
import { expect } from 'vitest';

/** Awaits a call that must fail and returns its error, checked to be the SDK's ClerkAPIResponseError. */
export async function apiError(call: Promise<unknown>): Promise<ClerkAPIResponseError> {
  const outcome = await call.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) throw new Error(`expected the call to fail, it returned ${JSON.stringify(outcome.value)}`);
  expect(isClerkAPIResponseError(outcome.error), String(outcome.error)).toBe(true);
  return outcome.error as ClerkAPIResponseError;
}

/** Asserts the fields of a ClerkAPIResponseError that a Clerk error envelope fills in. */
export function expectApiError(err: ClerkAPIResponseError, status: number, code: string, paramName?: string): void {
  expect(err.status, JSON.stringify(err.errors)).toBe(status);
  expect(err.errors.length).toBeGreaterThan(0);
  expect(err.errors[0]?.code, JSON.stringify(err.errors)).toBe(code);
  expect(err.errors[0]?.message).toEqual(expect.any(String));
  expect(err.errors[0]?.longMessage).toEqual(expect.any(String));
  if (paramName !== undefined) expect(err.errors[0]?.meta?.paramName).toBe(paramName);
  expect(err.clerkTraceId).toEqual(expect.any(String));
  expect(err.clerkTraceId?.length).toBeGreaterThan(0);
}
