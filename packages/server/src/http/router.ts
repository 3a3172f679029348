/**
 * Route definitions: each route declares its path, parameters, body and responses as zod schemas.
 * The same declaration validates requests at the edge and produces the published OpenAPI document,
 * so the document describes exactly what the server implements.
 */
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { ApiError } from './errors.js';
import { arrayKeys, parseOrThrow } from './validation.js';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** Schemas published under `components.schemas`, by id. */
export const wireSchemas = z.registry<{ id: string }>();

type AnyObject = z.ZodObject;

export interface RouteSpec<P extends AnyObject, Q extends AnyObject, B extends z.ZodType> {
  method: Method;
  /** OpenAPI-style path below the mount point, e.g. `/users/{user_id}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  params?: P;
  query?: Q;
  body?: B;
  /** How the body arrives: JSON (default) or a multipart upload handled by the route itself. */
  bodyKind?: 'json' | 'multipart';
  /** Response schemas by status; a schema registered in `wireSchemas` is referenced by id. */
  responses: Record<number, { description: string; schema?: z.ZodType }>;
  /** `secret` (default): requires a valid secret key. */
  auth?: 'secret' | 'none';
}

export interface RouteInput<P extends AnyObject, Q extends AnyObject, B extends z.ZodType> {
  c: Context;
  params: z.output<P>;
  query: z.output<Q>;
  body: z.output<B>;
}

export type RouteHandler<P extends AnyObject, Q extends AnyObject, B extends z.ZodType> = (
  input: RouteInput<P, Q, B>,
) => Promise<unknown> | unknown;

interface RegisteredRoute {
  spec: RouteSpec<AnyObject, AnyObject, z.ZodType>;
  handler: RouteHandler<AnyObject, AnyObject, z.ZodType>;
}

/** Checks the request's credentials; throws ApiError when they are not acceptable. */
export type Authenticator = (c: Context) => Promise<void>;

export interface Router {
  add<P extends AnyObject, Q extends AnyObject, B extends z.ZodType>(
    spec: RouteSpec<P, Q, B>,
    handler: RouteHandler<P, Q, B>,
  ): void;
  /** Mounts every route on `app` under `prefix`. */
  mount(app: Hono, prefix: string, authenticate: Authenticator): void;
  /** The OpenAPI 3.1 document of every route, as mounted under `prefix`. */
  openapi(info: { title: string; version: string; serverUrl: string; prefix: string }): Record<string, unknown>;
}

const EMPTY = z.object({});

/** True when the request announces a body (a length above zero, or chunked transfer). */
export function hasBody(c: Context): boolean {
  const length = c.req.header('content-length');
  return (length !== undefined && length !== '0') || c.req.header('transfer-encoding') !== undefined;
}
const JSON_TYPE = /^application\/(.+\+)?json\b/i;

async function readJsonBody(c: Context): Promise<unknown> {
  const type = c.req.header('content-type') ?? '';
  const text = await c.req.text();
  // The official SDK labels bodiless POSTs (ban, lock …) as JSON: an empty body is an empty object.
  if (text.trim() === '') return {};
  if (type !== '' && !JSON_TYPE.test(type)) {
    throw ApiError.of('unsupported_content_type', `Content-Type ${type} is not supported; send application/json.`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw ApiError.of('request_body_invalid', 'The request body is not valid JSON.');
  }
}

const ARRAY_KEYS = new WeakMap<AnyObject, Set<string>>();

/** Reads only the query keys the schema knows; arrays from repeated keys (`k=a&k=b` or `k[]=a`). */
function readQuery(c: Context, schema: AnyObject): Record<string, unknown> {
  let arrays = ARRAY_KEYS.get(schema);
  if (!arrays) {
    arrays = arrayKeys(schema);
    ARRAY_KEYS.set(schema, arrays);
  }
  const out: Record<string, unknown> = {};
  const url = c.req.url;
  const q = url.indexOf('?');
  if (q < 0) return out;
  // One pass over the query string instead of one URL parse per known key.
  const params = new URLSearchParams(url.slice(q + 1));
  for (const [rawKey, value] of params) {
    const key = rawKey.endsWith('[]') ? rawKey.slice(0, -2) : rawKey;
    if (!Object.prototype.hasOwnProperty.call(schema.shape, key)) continue;
    if (arrays.has(key)) {
      const list = (out[key] as string[] | undefined) ?? [];
      list.push(value);
      out[key] = list;
    } else if (out[key] === undefined) {
      out[key] = value;
    }
  }
  return out;
}

// A NUL character, or a UTF-16 surrogate without its pair (not valid Unicode text).
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Path of the first string (or key) that is not storable text, or null. PostgreSQL refuses NUL and
 * unpaired surrogates in text and JSONB, and no identifier, name or metadata legitimately contains them,
 * so they are refused at the edge on every dialect rather than stored differently by each.
 */
function nulPath(value: unknown): string | null {
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length) {
    const [v, path] = stack.pop() as [unknown, string];
    if (typeof v === 'string') {
      if (UNSTORABLE.test(v)) return path;
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, child] of Object.entries(v)) {
        const p = path ? `${path}.${k}` : k;
        if (UNSTORABLE.test(k)) return p;
        stack.push([child, p]);
      }
    }
  }
  return null;
}

function refuseNul(value: unknown): void {
  const path = nulPath(value);
  if (path === null) return;
  throw new ApiError({
    code: 'form_param_format_invalid',
    message: 'is invalid',
    longMessage: `${path || 'The request'} must be valid Unicode text without NUL characters.`,
    paramName: path.split('.')[0] || 'body',
  });
}

function honoPath(path: string): string {
  return path.replace(/\{([a-z0-9_]+)\}/g, ':$1');
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const id = wireSchemas.get(schema)?.id;
  if (id) return { $ref: `#/components/schemas/${id}` };
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12', metadata: wireSchemas }) as Record<string, unknown>;
  delete out.$schema;
  // Registered schemas nested inside (e.g. an array of users) point at components, not local $defs.
  delete out.$defs;
  return JSON.parse(JSON.stringify(out).replace(/"#\/\$defs\//g, '"#/components/schemas/')) as Record<string, unknown>;
}

/** Creates an empty router. Domains add their routes; the app mounts it once. */
export function createRouter(): Router {
  const routes: RegisteredRoute[] = [];
  return {
    add(spec, handler) {
      routes.push({
        spec: spec as unknown as RouteSpec<AnyObject, AnyObject, z.ZodType>,
        handler: handler as unknown as RouteHandler<AnyObject, AnyObject, z.ZodType>,
      });
    },
    mount(app, prefix, authenticate) {
      for (const { spec, handler } of routes) {
        app.on(spec.method.toUpperCase(), `${prefix}${honoPath(spec.path)}`, async (c) => {
          if (spec.auth !== 'none') await authenticate(c);
          const rawParams = c.req.param();
          const rawQuery = readQuery(c, spec.query ?? EMPTY);
          refuseNul(rawParams);
          refuseNul(rawQuery);
          const params = parseOrThrow(spec.params ?? EMPTY, rawParams, 'path');
          const query = parseOrThrow(spec.query ?? EMPTY, rawQuery, 'query');
          let body: unknown = undefined;
          if (spec.body && spec.bodyKind !== 'multipart') {
            const raw = await readJsonBody(c);
            refuseNul(raw);
            body = parseOrThrow(spec.body, raw, 'body');
          } else if (!spec.body && hasBody(c)) {
            // A route without a body still reads (and ignores) one: an unread body would be left in the
            // connection and break the client's next request on it.
            await c.req.arrayBuffer();
          }
          const result = await handler({ c, params, query, body });
          if (result instanceof Response) return result;
          return c.json(result as object);
        });
      }
    },
    openapi({ title, version, serverUrl, prefix }) {
      const paths: Record<string, Record<string, unknown>> = {};
      for (const { spec } of routes) {
        const parameters: unknown[] = [];
        for (const [where, schema] of [
          ['path', spec.params],
          ['query', spec.query],
        ] as const) {
          if (!schema) continue;
          for (const [name, field] of Object.entries(schema.shape)) {
            const f = field as z.ZodType;
            parameters.push({
              name,
              in: where,
              required: where === 'path' || !f.safeParse(undefined).success,
              schema: jsonSchema(f, 'input'),
              ...(f.description ? { description: f.description } : {}),
            });
          }
        }
        const responses: Record<string, unknown> = {};
        for (const [status, r] of Object.entries(spec.responses)) {
          responses[status] = {
            description: r.description,
            ...(r.schema ? { content: { 'application/json': { schema: jsonSchema(r.schema, 'output') } } } : {}),
          };
        }
        const requestBody = spec.body
          ? spec.bodyKind === 'multipart'
            ? { required: true, content: { 'multipart/form-data': { schema: jsonSchema(spec.body, 'input') } } }
            : { required: false, content: { 'application/json': { schema: jsonSchema(spec.body, 'input') } } }
          : undefined;
        const path = `${prefix}${spec.path}`;
        paths[path] ??= {};
        paths[path][spec.method] = {
          operationId: spec.operationId,
          summary: spec.summary,
          ...(spec.description ? { description: spec.description } : {}),
          tags: spec.tags,
          ...(spec.auth === 'none' ? { security: [] } : {}),
          ...(parameters.length ? { parameters } : {}),
          ...(requestBody ? { requestBody } : {}),
          responses,
        };
      }
      const components = z.toJSONSchema(wireSchemas, {
        unrepresentable: 'any',
        target: 'draft-2020-12',
        uri: (id: string) => `#/components/schemas/${id}`,
      }) as { schemas: Record<string, Record<string, unknown>> };
      for (const s of Object.values(components.schemas)) delete s.$schema;
      return {
        openapi: '3.1.0',
        info: { title, version },
        servers: [{ url: serverUrl }],
        security: [{ bearerAuth: [] }],
        components: {
          securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'A secret key: sk_test_… or sk_live_…' } },
          schemas: components.schemas,
        },
        paths,
      };
    },
  };
}
