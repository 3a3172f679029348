/**
 * One way to write a failure, for every surface: a coded ApiError as the wire envelope with the trace id;
 * a parser error as the matching code; anything else logged with its cause and answered as a 500.
 */
import { ERROR_CODE_INFO } from '@latch/core';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Logger } from 'pino';
import { ApiError, RateLimitError } from '../errors.js';

export function errorEnvelope(c: Context, err: ApiError, traceId: string): Response {
  if (err instanceof RateLimitError) c.header('Retry-After', String(err.retryAfterSeconds));
  return c.json({ errors: err.toJSON(), clerk_trace_id: traceId }, err.status as 400);
}

export function errorResponse(c: Context, err: unknown, traceId: string, logger: Logger): Response {
  if (err instanceof ApiError) return errorEnvelope(c, err, traceId);
  if (err instanceof HTTPException) {
    const code = err.status === 413 ? 'file_too_large' : err.status === 405 ? 'method_not_allowed' : 'request_body_invalid';
    return errorEnvelope(c, ApiError.of(code, err.message || ERROR_CODE_INFO[code].message), traceId);
  }
  logger.error({ err, traceId, method: c.req.method, path: c.req.path }, 'unhandled error');
  return errorEnvelope(c, ApiError.of('internal_clerk_error'), traceId);
}

export function notFoundError(c: Context): ApiError {
  return new ApiError({ code: 'resource_not_found', message: 'not found', longMessage: `No route matches ${c.req.method} ${c.req.path}.` });
}
