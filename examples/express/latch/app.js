// The Express samples of seeds 002 and 003 on @latch/express. Configured by the environment:
// LATCH_SECRET_KEY, LATCH_API_URL, LATCH_PUBLISHABLE_KEY (and optionally LATCH_FRONTEND_API_URL,
// LATCH_JWT_KEY, LATCH_SIGN_IN_URL).
import express from 'express';
import { latchMiddleware, requireAuth } from '@latch/express';
import { jsonBody } from '../shared/body.js';
import { signInPage } from '../shared/sign-in-page.js';
import updateUserSample from './samples/update-user.js';
import privateSetSample from './samples/private-set.js';
import privateGetSample from './samples/private-get.js';
import publicSample from './samples/public.js';
import unsafeSample from './samples/unsafe.js';

export function createApp() {
  const app = express();
  app.use(jsonBody());
  // Every request gets req.auth; a page with stale cookies goes through the handshake first.
  app.use(latchMiddleware());

  // Seed 002.
  updateUserSample(app);

  // Seed 003: three samples share the path '/updateStripe', so each gets its own prefix, and all of them
  // take the user id from the body, so only signed-in callers reach them.
  const mount = (prefix, sample) => {
    const router = express.Router();
    sample(router);
    app.use(prefix, requireAuth(), router);
  };
  mount('/metadata/private-set', privateSetSample);
  mount('/metadata/private-get', privateGetSample);
  mount('/metadata/public', publicSample);
  mount('/metadata/unsafe', unsafeSample);

  // A page: signed-out visitors are sent to the sign-in page, returning ones through the handshake.
  app.get('/', requireAuth({ signInUrl: '/sign-in' }), (req, res) => {
    res.type('html').send(`<!doctype html><title>Latch + Express</title><p id="who">Signed in as ${req.auth.userId}</p>`);
  });
  app.get('/sign-in', (req, res) => {
    res.type('html').send(signInPage({
      publishableKey: process.env.LATCH_PUBLISHABLE_KEY,
      frontendApiUrl: process.env.LATCH_FRONTEND_API_URL || `${process.env.LATCH_API_URL}/fapi`,
    }));
  });
  return app;
}
