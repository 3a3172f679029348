import { randomBytes } from 'node:crypto';

/** A trace id for one request, echoed in error bodies and the `x-latch-trace-id` header. */
export function newTraceId(): string {
  return randomBytes(16).toString('hex');
}
