/**
 * Request bodies of JSON and form routes, read once, within the route's size limit. A body with a
 * `Content-Length` within the limit is read with `Request.text()`, which the Node adapter serves straight
 * from Node's IncomingMessage; touching `Request.body` (as a streaming size check does) would make the
 * adapter build a full undici Request (headers list, abort signal, web stream) for every call with a body,
 * which costs more than the rest of a small request's handling. Only a body without a length (chunked)
 * is streamed, counting its bytes.
 */
import type { Context } from 'hono';
import { ApiError } from '../errors.js';

/** The body limit of a route that names none. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

const BODY = 'latchBody';
const LIMIT = 'latchBodyLimit';

/** Sets the size limit the route allows, for `readBodyText` (the router does this for every route). */
export function setBodyLimit(c: Context, maxSize: number, tooLarge: () => ApiError): void {
  c.set(LIMIT as never, { maxSize, tooLarge } as never);
}

function limitOf(c: Context): { maxSize: number; tooLarge: () => ApiError } {
  return (c.get(LIMIT as never) as { maxSize: number; tooLarge: () => ApiError } | undefined) ?? { maxSize: DEFAULT_BODY_LIMIT, tooLarge: () => ApiError.of('request_body_invalid', 'The request body is too large.') };
}

async function readRequest(request: Request, maxSize: number, tooLarge: () => ApiError): Promise<Buffer> {
  if (!request.body) return Buffer.alloc(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxSize) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

/** The body as text (UTF-8), read at most once per request; over the route's limit it is the limit's error. */
export async function readBodyText(c: Context): Promise<string> {
  const cached = c.get(BODY as never) as string | undefined;
  if (cached !== undefined) return cached;
  const limit = limitOf(c);
  const maxSize = limit.maxSize;
  const tooLarge = () => {
    // The rest of the oversized body is never read: the connection cannot carry another request.
    c.header('Connection', 'close');
    return limit.tooLarge();
  };
  const declared = Number(c.req.header('content-length') ?? 'NaN');
  if (declared > maxSize) throw tooLarge();
  const text = Number.isSafeInteger(declared) && c.req.header('transfer-encoding') === undefined ? await c.req.raw.text() : (await readRequest(c.req.raw, maxSize, tooLarge)).toString('utf8');
  c.set(BODY as never, text as never);
  return text;
}

/** Whether the body was read: if not, it is still in the connection, which must then close. */
export function bodyConsumed(c: Context): boolean {
  return c.get(BODY as never) !== undefined || c.req.raw.bodyUsed;
}
