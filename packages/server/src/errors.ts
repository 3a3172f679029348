/**
 * One error type with a code. Services throw `ApiError`; `toEnvelope` writes the wire envelope; the
 * status comes from the code registry in @latch/core, the one table that maps codes to statuses.
 */
import { ERROR_CODE_INFO, type ErrorCode, type ErrorJSON } from '@latch/core';

export interface ApiErrorDetail {
  code: ErrorCode;
  message?: string;
  longMessage?: string;
  paramName?: string;
  meta?: Record<string, unknown>;
}

/** A request error: an expected "no" with a code, a status and the parameter it is about. */
export class ApiError extends Error {
  readonly status: number;
  readonly details: ApiErrorDetail[];

  constructor(details: ApiErrorDetail | ApiErrorDetail[]) {
    const list = Array.isArray(details) ? details : [details];
    const first = list[0];
    if (!first) throw new TypeError('ApiError needs at least one detail');
    super(first.longMessage ?? first.message ?? ERROR_CODE_INFO[first.code].message);
    this.name = 'ApiError';
    this.details = list;
    this.status = ERROR_CODE_INFO[first.code].status;
  }

  /** Shorthand for the common single-error case. */
  static of(code: ErrorCode, longMessage?: string, paramName?: string): ApiError {
    return new ApiError({ code, ...(longMessage ? { longMessage } : {}), ...(paramName ? { paramName } : {}) });
  }

  toJSON(): ErrorJSON[] {
    return this.details.map((d) => {
      const message = d.message ?? ERROR_CODE_INFO[d.code].message;
      const meta = { ...(d.meta ?? {}), ...(d.paramName ? { param_name: d.paramName } : {}) };
      return {
        code: d.code,
        message,
        long_message: d.longMessage ?? message,
        ...(Object.keys(meta).length ? { meta } : {}),
      };
    });
  }
}

/** A 429 that tells the caller when to try again (written as `Retry-After`). */
export class RateLimitError extends ApiError {
  constructor(
    readonly retryAfterSeconds: number,
    longMessage = 'Too many requests. Try again later.',
  ) {
    super({ code: 'too_many_requests', longMessage, meta: { retry_after_seconds: retryAfterSeconds } });
  }
}

/** The resource-not-found error every lookup by id answers. */
export function notFound(what: string): ApiError {
  return new ApiError({ code: 'resource_not_found', message: 'not found', longMessage: `${what} not found` });
}
