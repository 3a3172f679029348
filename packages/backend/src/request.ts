/**
 * The one way this SDK calls the Backend API: `Authorization: Bearer <secret key>`, JSON bodies with
 * top-level snake_case keys, query strings with repeated keys for arrays, responses camelCased, lists
 * as `{ data, totalCount }`, failures as a coded `LatchAPIResponseError`. A 429 or 503 that names a
 * `Retry-After` within `maxRetryAfterSeconds` is retried after that long, up to `maxRetries` times.
 */
import { camelize, snakeBody, snakeKey } from './case.js';
import { LatchAPIResponseError, type LatchAPIError } from './errors.js';

export const SDK_USER_AGENT = '@latch/backend@0.1.0';
/** The dated API version the official SDKs announce; Latch answers the same shapes. */
export const API_VERSION_HEADER = '2026-05-12';

export interface RequestOptions {
  secretKey: string;
  /** The server's base URL, e.g. `https://auth.example.com`; `/v1` is added. */
  apiUrl: string;
  /** Path segment after the base URL; `v1`. */
  apiVersion?: string;
  userAgent?: string;
  /** Retries of a 429/503 that carries `Retry-After` (default 2; 0 turns retrying off). */
  maxRetries?: number;
  /** Longest `Retry-After` waited for; a longer one is thrown at once (default 10 s). */
  maxRetryAfterSeconds?: number;
  fetch?: typeof fetch;
}

export type QueryValue = string | number | boolean | null | undefined | readonly (string | number | boolean)[];

export interface LatchRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, QueryValue>;
  /** JSON body: an object (top-level keys snake_cased) or an array of objects (each snake_cased). */
  body?: Record<string, unknown> | Record<string, unknown>[];
  /** A multipart body (uploads); sent as it is. */
  formData?: FormData;
  /** Leave the response as the server sent it (snake_case). */
  raw?: boolean;
}

/** A page of a list and how many items match in all. */
export interface PaginatedResourceResponse<T> {
  data: T[];
  totalCount: number;
}

export type Requester = <T>(req: LatchRequest) => Promise<T>;

/** Encodes a path segment (ids are inserted encoded, so a stray `/` or `?` cannot change the route). */
export function seg(value: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new TypeError('An id is required (got an empty value).');
  return encodeURIComponent(value);
}

function queryString(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null) continue;
    const key = snakeKey(k);
    if (Array.isArray(v)) for (const item of v) params.append(key, String(item));
    else params.append(key, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

function parseErrors(body: unknown): LatchAPIError[] {
  const list = (body as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(list)) return [];
  return list.map((e) => camelize<LatchAPIError>(e));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Seconds from a `Retry-After` header (delta-seconds or an HTTP date), or undefined. */
export function retryAfterOf(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/** The response payload as this SDK returns it: lists become `{ data, totalCount }`, keys camelCase. */
function shape(payload: unknown, raw: boolean): unknown {
  if (raw) return payload;
  if (payload !== null && typeof payload === 'object' && !Array.isArray(payload)) {
    const p = payload as Record<string, unknown>;
    if (Array.isArray(p.data) && 'total_count' in p) return { data: camelize(p.data), totalCount: Number(p.total_count) };
    if (p.object === 'total_count' && typeof p.total_count === 'number') return p.total_count;
  }
  return camelize(payload);
}

export function buildRequester(options: RequestOptions): Requester {
  const { secretKey } = options;
  const base = `${options.apiUrl.replace(/\/+$/, '')}/${(options.apiVersion ?? 'v1').replace(/^\/+|\/+$/g, '')}`;
  const userAgent = options.userAgent ?? SDK_USER_AGENT;
  const maxRetries = options.maxRetries ?? 2;
  const maxWait = options.maxRetryAfterSeconds ?? 10;
  const doFetch = options.fetch ?? globalThis.fetch;

  return async function request<T>(req: LatchRequest): Promise<T> {
    if (!secretKey) throw new TypeError('Missing secret key: pass `secretKey` to createLatchClient or set LATCH_SECRET_KEY.');
    const url = `${base}${req.path}${queryString(req.query)}`;
    const headers: Record<string, string> = {
      Authorization: `Bearer ${secretKey}`,
      'Clerk-API-Version': API_VERSION_HEADER,
      'User-Agent': userAgent,
    };
    let body: BodyInit | undefined;
    if (req.formData) body = req.formData;
    else if (req.body !== undefined && req.method !== 'GET') {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(Array.isArray(req.body) ? req.body.map(snakeBody) : snakeBody(req.body));
    }

    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await doFetch(url, { method: req.method, headers, ...(body !== undefined ? { body } : {}) });
      } catch (err) {
        throw new LatchAPIResponseError({
          status: 0,
          statusText: '',
          errors: [{ code: 'network_error', message: `The Backend API at ${base} could not be reached: ${(err as Error).message}` }],
          traceId: '',
        });
      }
      const text = await res.text();
      let payload: unknown = undefined;
      if (text) {
        try {
          payload = JSON.parse(text);
        } catch {
          payload = undefined;
        }
      }
      if (res.ok) {
        if (res.status === 204 || !text) return undefined as T;
        if (payload === undefined) {
          throw new LatchAPIResponseError({ status: res.status, statusText: res.statusText, errors: [{ code: 'unexpected_response', message: 'The Backend API answered with a body that is not JSON.' }], traceId: res.headers.get('x-latch-trace-id') ?? '' });
        }
        return shape(payload, req.raw === true) as T;
      }
      const retryAfter = retryAfterOf(res.headers.get('retry-after'));
      if ((res.status === 429 || res.status === 503) && retryAfter !== undefined && retryAfter <= maxWait && attempt < maxRetries) {
        await sleep(retryAfter * 1000);
        continue;
      }
      const traceBody = (payload as { clerk_trace_id?: unknown } | undefined)?.clerk_trace_id;
      throw new LatchAPIResponseError({
        status: res.status,
        statusText: res.statusText,
        errors: parseErrors(payload),
        traceId: typeof traceBody === 'string' ? traceBody : (res.headers.get('x-latch-trace-id') ?? res.headers.get('cf-ray') ?? ''),
        retryAfter,
      });
    }
  };
}
