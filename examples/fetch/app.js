// The routes as fetch-Request handlers on Hono. `route()` is the Remix-style adapter: it calls a loader
// or action with `{ request, params, context }`, answers a thrown Response (the handshake redirect) as is,
// and adds the cookies a resolved handshake left. A handler that fails for a signed-out request (the
// sample's `updateUser(null, …)`) is a 401 with the error envelope; a Backend API refusal keeps its status.
import { Hono } from 'hono';
import { isLatchAPIResponseError } from '@latch/backend';
import { authOf, headersFor } from './app/auth.server.js';
import { action as profileAction } from './app/routes/profile.js';
import { loader as indexLoader } from './app/routes/index.js';

function route(handler) {
  return async (c) => {
    const request = c.req.raw;
    let response;
    try {
      response = await handler({ request, params: c.req.param(), context: {} });
    } catch (err) {
      if (err instanceof Response) return err;
      const auth = authOf(request);
      if (auth && !auth.userId) {
        return c.json({ errors: [{ code: 'authentication_invalid', message: 'Unauthorized request', long_message: 'Sign in to continue: this request carries no valid session.' }] }, 401);
      }
      if (isLatchAPIResponseError(err)) {
        return c.json({ errors: err.errors.map((e) => ({ code: e.code, message: e.message, long_message: e.longMessage })) }, err.status);
      }
      throw err;
    }
    const extra = headersFor(request);
    if (extra) {
      response = new Response(response.body, response);
      for (const cookie of extra.getSetCookie()) response.headers.append('set-cookie', cookie);
    }
    return response;
  };
}

export function createApp() {
  const app = new Hono();
  app.post('/profile', route(profileAction));
  app.get('/', route(indexLoader));
  return app;
}
