// The same app on the official @clerk/express, pointed at Latch by environment variables only:
//   CLERK_SECRET_KEY       Latch's secret key
//   CLERK_PUBLISHABLE_KEY  Latch's publishable key
//   CLERK_API_URL          the Latch server (the SDK calls <it>/v1/…, the JWKS included)
//   CLERK_PROXY_URL        <the Latch server>/fapi: where the handshake goes (default: https://<key host>)
// Optional: CLERK_JWT_KEY (PEM, networkless verification), CLERK_SIGN_IN_URL.
import express from 'express';
import { clerkMiddleware, getAuth } from '@clerk/express';
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
  app.use(clerkMiddleware());

  updateUserSample(app);

  // Signed-out callers get a 401 (the SDK's recommended form, `getAuth(req)`).
  const signedIn = (req, res, next) => (getAuth(req).userId ? next() : res.status(401).json({ error: 'Unauthorized' }));
  const mount = (prefix, sample) => {
    const router = express.Router();
    sample(router);
    app.use(prefix, signedIn, router);
  };
  mount('/metadata/private-set', privateSetSample);
  mount('/metadata/private-get', privateGetSample);
  mount('/metadata/public', publicSample);
  mount('/metadata/unsafe', unsafeSample);

  app.get('/', (req, res) => {
    const { userId } = getAuth(req);
    if (!userId) return res.redirect(307, `${process.env.CLERK_SIGN_IN_URL || '/sign-in'}?redirect_url=${encodeURIComponent(req.originalUrl)}`);
    res.type('html').send(`<!doctype html><title>Clerk SDK + Express</title><p id="who">Signed in as ${userId}</p>`);
  });
  app.get('/sign-in', (req, res) => {
    res.type('html').send(signInPage({ publishableKey: process.env.CLERK_PUBLISHABLE_KEY, frontendApiUrl: process.env.CLERK_PROXY_URL }));
  });
  return app;
}
