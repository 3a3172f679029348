/**
 * Route definitions: each route declares its path, parameters, body and responses as zod schemas.
 * The same declaration validates requests at the edge and produces the published OpenAPI document,
 * so the document describes exactly what the server implements.
 */
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { ApiError } from '../errors.js';
import { DEFAULT_BODY_LIMIT, readBodyText, setBodyLimit } from './body.js';
import { arrayKeys, parseOrThrow } from './validation.js';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** Schemas published under `components.schemas`, by id. */
export const wireSchemas = z.registry<{ id: string }>();

type AnyObject = z.ZodObject;

export interface RouteSpec<P extends AnyObject, Q extends AnyObject, B extends z.ZodType, A extends string = string> {
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
  /** How the body arrives: decoded by the surface (default: JSON or a form), or a multipart upload the route reads itself. */
  bodyKind?: 'decoded' | 'multipart';
  /** Largest body accepted, in bytes (default 1 MiB); larger ones get 413 before the handler runs. */
  bodyLimit?: number;
  /** Response schemas by status; a schema registered in `wireSchemas` is referenced by id. */
  responses: Record<number, { description: string; schema?: z.ZodType }>;
  /** Which callers the surface's guard admits; each surface names its own modes and its default. */
  auth?: A;
}

export interface RouteInput<P extends AnyObject, Q extends AnyObject, B extends z.ZodType, Principal> {
  c: Context;
  params: z.output<P>;
  query: z.output<Q>;
  body: z.output<B>;
  /** Who is calling, as the surface's guard decided. */
  principal: Principal;
}

export type RouteHandler<P extends AnyObject, Q extends AnyObject, B extends z.ZodType, Principal> = (
  input: RouteInput<P, Q, B, Principal>,
) => Promise<unknown> | unknown;

interface RegisteredRoute<Principal, A extends string> {
  spec: RouteSpec<AnyObject, AnyObject, z.ZodType, A>;
  handler: RouteHandler<AnyObject, AnyObject, z.ZodType, Principal>;
}

/**
 * One API surface (the Backend API, the Frontend API): who may call, how bodies are encoded and how
 * results are written. The router does the rest (parameters, validation, limits) the same way for all.
 */
export interface Surface<Principal, A extends string> {
  /** Decides who is calling; throws ApiError when the caller is refused. */
  guard(c: Context, auth: A | undefined): Promise<Principal> | Principal;
  /** Reads a route's body into plain values for its schema (JSON, a form, …). */
  decode(c: Context): Promise<unknown>;
  /** Writes a handler's result (a `Response` a handler returns is passed through untouched). */
  respond(c: Context, result: unknown, principal: Principal): Response | Promise<Response>;
  /** Security requirement of a route in the OpenAPI document (`[]` for none), or undefined for the document's default. */
  openapiSecurity?(auth: A | undefined): unknown[] | undefined;
}

export interface Router<Principal, A extends string> {
  add<P extends AnyObject, Q extends AnyObject, B extends z.ZodType>(
    spec: RouteSpec<P, Q, B, A>,
    handler: RouteHandler<P, Q, B, Principal>,
  ): void;
  /** Mounts every route on `app` under `prefix`, served through `surface`. */
  mount(app: Hono, prefix: string, surface: Surface<Principal, A>): void;
  /** The OpenAPI 3.1 document of every route, as mounted under `prefix`. */
  openapi(info: { title: string; version: string; serverUrl: string; prefix: string; surface?: Surface<Principal, A> }): Record<string, unknown>;
}


const EMPTY = z.object({});

/** True when the request announces a body (a length above zero, or chunked transfer). */
export function hasBody(c: Context): boolean {
  const length = c.req.header('content-length');
  return (length !== undefined && length !== '0') || c.req.header('transfer-encoding') !== undefined;
}
const JSON_TYPE = /^application\/(.+\+)?json\b/i;

/** Reads a JSON body; an empty body is an empty object. */
export async function readJsonBody(c: Context): Promise<unknown> {
  const type = c.req.header('content-type') ?? '';
  const text = await readBodyText(c);
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
export function nulPath(value: unknown): string | null {
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
export function createRouter<Principal, A extends string>(): Router<Principal, A> {
  const routes: RegisteredRoute<Principal, A>[] = [];
  const limits = new Map<string, MiddlewareHandler>();
  /** The body-limit check of a route; an oversized upload is `file_too_large`, any other body `request_body_invalid`. */
  function limitOf(spec: RouteSpec<AnyObject, AnyObject, z.ZodType, A>): MiddlewareHandler {
    const maxSize = spec.bodyLimit ?? DEFAULT_BODY_LIMIT;
    const upload = spec.bodyKind === 'multipart';
    const cacheKey = `${maxSize}:${upload}`;
    let limit = limits.get(cacheKey);
    if (!limit) {
      const tooLarge = () => new ApiError({ code: upload ? 'file_too_large' : 'request_body_invalid', longMessage: `The request body exceeds ${maxSize} bytes.` });
      if (upload) {
        // Uploads are parsed from the Request (multipart), so they are counted on its stream.
        const check = bodyLimit({
          maxSize,
          onError: (ctx) => {
            // The rest of the oversized body is never read: the connection cannot carry another request.
            ctx.header('Connection', 'close');
            throw tooLarge();
          },
        });
        limit = (c, next) => (hasBody(c) ? check(c, next) : next());
      } else {
        // JSON and form bodies are counted where they are read (readBodyText).
        limit = (c, next) => {
          setBodyLimit(c, maxSize, tooLarge);
          return next();
        };
      }
      limits.set(cacheKey, limit);
    }
    return limit;
  }
  return {
    add(spec, handler) {
      routes.push({
        spec: spec as unknown as RouteSpec<AnyObject, AnyObject, z.ZodType, A>,
        handler: handler as unknown as RouteHandler<AnyObject, AnyObject, z.ZodType, Principal>,
      });
    },
    mount(app, prefix, surface) {
      for (const { spec, handler } of routes) {
        app.on(spec.method.toUpperCase(), `${prefix}${honoPath(spec.path)}`, limitOf(spec), async (c) => {
          const principal = await surface.guard(c, spec.auth);
          const rawParams = c.req.param();
          const rawQuery = readQuery(c, spec.query ?? EMPTY);
          refuseNul(rawParams);
          refuseNul(rawQuery);
          const params = parseOrThrow(spec.params ?? EMPTY, rawParams, 'path');
          const query = parseOrThrow(spec.query ?? EMPTY, rawQuery, 'query');
          let body: unknown = undefined;
          if (spec.body && spec.bodyKind !== 'multipart') {
            const raw = await surface.decode(c);
            refuseNul(raw);
            body = parseOrThrow(spec.body, raw, 'body');
          } else if (!spec.body && hasBody(c)) {
            // A route without a body still reads (and ignores) one: an unread body would be left in the
            // connection and break the client's next request on it.
            await readBodyText(c);
          }
          const result = await handler({ c, params, query, body, principal });
          if (result instanceof Response) return result;
          return surface.respond(c, result, principal);
        });
      }
    },
    openapi({ title, version, serverUrl, prefix, surface }) {
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
        const security = surface?.openapiSecurity?.(spec.auth);
        const path = `${prefix}${spec.path}`;
        paths[path] ??= {};
        paths[path][spec.method] = {
          operationId: spec.operationId,
          summary: spec.summary,
          ...(spec.description ? { description: spec.description } : {}),
          tags: spec.tags,
          ...(security ? { security } : {}),
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
