// `getAuth(args)` for loaders and actions that receive a fetch `Request` (Remix / React Router style
// `{ request, params, context }`, or the bare Request), on @latch/backend's `authenticateRequest`.
// - signed in or out: the Auth object (`userId`, `sessionId`, `orgId`, …, all null when signed out);
// - a document request whose cookies need the handshake: the 307 is thrown, as Remix loaders throw
//   redirects, and the adapter (../app.js) answers with it.
// Cookies set by a resolved handshake are remembered per request and added to the response by the adapter.
import { createLatchClientFromEnv } from '@latch/backend';

let latch = null;
const pendingHeaders = new WeakMap();
const seen = new WeakMap();

export async function getAuth(args) {
  const request = args instanceof Request ? args : args.request;
  latch ??= createLatchClientFromEnv();
  const state = await latch.authenticateRequest(request);
  if (state.status === 'handshake') throw state.response;
  const auth = state.toAuth();
  pendingHeaders.set(request, state.headers);
  seen.set(request, auth);
  return auth;
}

/** The Auth object `getAuth` found for this request, if it was called. */
export function authOf(request) {
  return seen.get(request) ?? null;
}

/** The headers `getAuth` left for this request's response (Set-Cookie from a resolved handshake). */
export function headersFor(request) {
  return pendingHeaders.get(request) ?? null;
}
