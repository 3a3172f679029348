import { randomUUID } from 'node:crypto';

/** A trace id for one request, echoed in error bodies and the `x-latch-trace-id` header. */
export function newTraceId(): string {
  // randomUUID draws from a buffered entropy pool: far cheaper per request than randomBytes(16).
  return randomUUID().replace(/-/g, '');
}
