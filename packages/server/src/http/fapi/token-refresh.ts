/**
 * The token refresh, `POST /fapi/v1/client/sessions/{id}/tokens`, answered straight from Node's request.
 *
 * Every signed-in browser tab asks for a new session token about once a minute, so this is by far the
 * Frontend API's most frequent request. Through the full stack (the Node adapter's Request and Response,
 * two Hono apps, the Frontend API's middleware, guard, router and surface) it cost ~125 µs of the server's
 * one core beyond its own work, half again as much as that work without the signature (bench/README.md).
 * This path does only what such a request needs: the same checks, the same service call and the same
 * answer, with the same headers.
 *
 * It answers only the plain success. Whatever else it meets (another path or method, a query it does not
 * know, no client cookie, an Origin that is missing or not allowed, a body that is not a small form, a
 * field that does not validate, an unknown client, any refusal of the service: a revoked session, a
 * banned user) it hands over, before or after reading the body, to the full app, which answers as it
 * always does. So a success is identical on both paths, and every error comes from one place.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ClientsService } from '../../domains/clients/service.js';
import { TokenRequestBody } from '../../domains/sessions/fapi.js';
import type { SessionsService } from '../../domains/sessions/service.js';
import { nulPath } from '../router.js';
import { newTraceId } from '../trace.js';
import { CLIENT_COOKIE } from './cookies.js';
import { ApiError } from '../../errors.js';
import { EXPOSED_HEADERS } from './app.js';
import { decodeForm, FORM_TYPE, originAllowed, type OriginPolicy } from './transport.js';

export interface TokenRefreshDeps {
  clients: ClientsService;
  sessions: SessionsService;
  /** The Frontend API's origin policy (the same function its app reads). */
  originPolicy(): Promise<OriginPolicy>;
}

/**
 * Gives the request to the full app. `body` is null when this path did not read it (the request is as
 * Node delivered it), else the bytes it read.
 */
export type HandOver = (req: IncomingMessage, res: ServerResponse, body: Buffer | null) => void;

/** `/fapi/v1/client/sessions/{id}/tokens`, with an id the route accepts, and an optional query. */
const PATH = /^\/fapi\/v1\/client\/sessions\/([A-Za-z0-9_]{1,64})\/tokens(?:\?([A-Za-z0-9_.=&-]*))?$/;
/** Query parameters that change what the app does with the request (method tunnelling, the dev browser). */
const STEERING = /(?:^|&)(?:_method|__clerk_db_jwt)=/;
/** A client token as Latch issues them; anything else (quoted, encoded, odd) is the app's to parse. */
const COOKIE = new RegExp(`(?:^|;)\\s*${CLIENT_COOKIE}=([A-Za-z0-9_-]{1,256})\\s*(?:;|$)`);
/** Larger bodies are not a token request's: the app reads them within its limit. */
const MAX_BODY = 4096;

/** The whole body (Node's parser delivers exactly Content-Length bytes, checked small above). */
function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/** The client token of a cookie header, when it names exactly one `__client` of the usual form. */
function clientToken(header: string | undefined): string | null {
  if (!header) return null;
  const m = COOKIE.exec(header);
  if (!m || header.indexOf(`${CLIENT_COOKIE}=`) !== header.lastIndexOf(`${CLIENT_COOKIE}=`)) return null;
  return m[1] ?? null;
}

/**
 * A Node request handler that answers a token refresh it can answer and hands everything else over.
 * Returns false, having done nothing, for a request that is not a token refresh at all.
 */
export function createTokenRefresh({ clients, sessions, originPolicy }: TokenRefreshDeps): (req: IncomingMessage, res: ServerResponse, handOver: HandOver) => boolean {
  async function answer(req: IncomingMessage, res: ServerResponse, handOver: HandOver, sessionId: string, origin: string, token: string, body: Buffer): Promise<void> {
    const fields = decodeForm(body.toString('utf8'));
    const parsed = nulPath(fields) === null ? TokenRequestBody.safeParse(fields) : null;
    if (!parsed?.success) return handOver(req, res, body);
    const client = await clients.identify(token);
    if (!client) return handOver(req, res, body);
    let jwt: string;
    try {
      const organizationId = parsed.data.organization_id;
      jwt = await sessions.token(sessionId, client.id, { ...(organizationId !== undefined ? { organizationId } : {}), azp: origin });
    } catch {
      // A refusal (signed out, revoked, banned …): the app reads it again and answers it in its envelope.
      return handOver(req, res, body);
    }
    const json = JSON.stringify({ object: 'token', jwt });
    // The headers the Frontend API app writes on this response (CORS for the allowed origin, no caching,
    // the trace id), so that the two paths cannot be told apart.
    res.writeHead(200, {
      'access-control-allow-origin': origin,
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': EXPOSED_HEADERS,
      vary: 'Origin',
      'cache-control': 'no-store',
      'x-latch-trace-id': newTraceId(),
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(json),
    });
    res.end(json);
  }

  return (req, res, handOver) => {
    if (req.method !== 'POST') return false;
    const m = PATH.exec(req.url ?? '');
    if (!m) return false;
    const sessionId = m[1] as string;
    const query = m[2] ?? '';
    const h = req.headers;
    const length = Number(h['content-length']);
    const origin = h.origin;
    const token = clientToken(h.cookie);
    if (
      STEERING.test(query) ||
      !FORM_TYPE.test(h['content-type'] ?? '') ||
      h['transfer-encoding'] !== undefined ||
      !Number.isSafeInteger(length) ||
      length > MAX_BODY ||
      !origin ||
      origin === 'null' ||
      token === null
    ) {
      handOver(req, res, null);
      return true;
    }
    void (async () => {
      let reading = false;
      let body: Buffer | null = null;
      try {
        // The policy before the body: a refused origin leaves the body to the app, unread.
        if (!originAllowed(await originPolicy(), origin)) return handOver(req, res, null);
        reading = true;
        body = await readAll(req);
        await answer(req, res, handOver, sessionId, origin, token, body);
      } catch (err) {
        // A failure before the answer was written goes to the app with what was read (nothing, before the
        // body was touched); a request whose body never arrived (the connection broke) has nobody left to
        // answer.
        if (res.headersSent || (reading && body === null)) res.destroy(err as Error);
        else handOver(req, res, body);
      }
    })();
    return true;
  };
}

/** A Web Request for a Node request whose body was already read. */
function requestOf(req: IncomingMessage, body: Buffer): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  return new Request(`http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`, { method: req.method ?? 'GET', headers, body: new Uint8Array(body) });
}

/** Writes a Web Response to a Node response (every Set-Cookie kept apart). */
async function writeResponse(res: ServerResponse, response: Response): Promise<void> {
  const headers: [string, string][] = [];
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers.push([name, value]);
  });
  for (const cookie of response.headers.getSetCookie()) headers.push(['set-cookie', cookie]);
  const bytes = Buffer.from(await response.arrayBuffer());
  if (!response.headers.has('content-length')) headers.push(['content-length', String(bytes.length)]);
  res.writeHead(response.status, headers.flat());
  res.end(bytes);
}

/**
 * Puts the direct path in front of the request listener `server` has (the Node adapter of the app whose
 * `fetch` is given): token refreshes first, everything else, and everything they hand over, to the app.
 * A request handed over unread goes to the adapter as it came; one whose body was read is given to
 * `fetch` as a Request carrying that body.
 */
export function answerTokenRefreshesFirst(server: Server, deps: TokenRefreshDeps & { fetch(request: Request, env: unknown): Response | Promise<Response>; logger: Logger }): void {
  const adapter = server.listeners('request')[0] as (req: IncomingMessage, res: ServerResponse) => void;
  const tokenRefresh = createTokenRefresh(deps);
  const replay = async (req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> => {
    try {
      await writeResponse(res, await deps.fetch(requestOf(req, body), { incoming: req, outgoing: res }));
    } catch (err) {
      deps.logger.error({ err }, 'a handed-over request failed');
      if (res.headersSent) return void res.destroy();
      const error = ApiError.of('internal_clerk_error');
      res.writeHead(error.status, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: error.toJSON(), clerk_trace_id: newTraceId() }));
    }
  };
  const handOver: HandOver = (req, res, body) => (body === null ? adapter(req, res) : void replay(req, res, body));
  server.removeListener('request', adapter);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!tokenRefresh(req, res, handOver)) adapter(req, res);
  });
}
