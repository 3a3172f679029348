/**
 * Builds the Frontend API from the services: its router and routes, the surface, the origin policy and
 * the cookie settings, all derived from the configuration and the instance settings.
 */
import type { AppDeps } from '../../app.js';
import type { TokenJSON } from '@latch/core';
import type { SessionRow } from '../../domains/sessions/repository.js';
import { clientJSON, frontendSessionJSON } from '../../domains/clients/serialize.js';
import { registerSessionRoutes } from '../../domains/sessions/fapi.js';
import { registerOrganizationFrontendRoutes } from '../../domains/organizations/fapi.js';
import { registerMeRoutes } from '../../domains/me/fapi.js';
import { registerMeIdentifierRoutes } from '../../domains/me/identifiers-fapi.js';
import { registerMeSecurityRoutes } from '../../domains/me/security-fapi.js';
import { activeSessionJSON } from '../../domains/me/serialize.js';
import { emailAddressJSON, frontendUserJSON, phoneNumberJSON } from '../../domains/users/serialize.js';
import { registerSignInRoutes } from '../../domains/sign-ins/fapi.js';
import { signInJSON } from '../../domains/sign-ins/serialize.js';
import { registerSignUpRoutes } from '../../domains/sign-ups/fapi.js';
import { signUpJSON } from '../../domains/sign-ups/serialize.js';
import { azpOf } from './activity.js';
import { registerClientRoutes } from '../../domains/clients/fapi.js';
import { registerEnvironmentRoutes } from '../../domains/environment/fapi.js';
import { environmentJSON } from '../../domains/environment/serialize.js';
import { publishableKeyFor } from '../../domains/instance/service.js';
import { jwksJSON } from '../../domains/instance/serialize.js';
import { createFapiApp } from './app.js';
import { clientUatOf, cookieSuffix } from './cookies.js';
import { handshakeHandler } from '../../domains/handshake/fapi.js';
import { createFapiRouter, fapiSurface } from './surface.js';
import { allowedRedirect, originOf, type OriginPolicy } from './transport.js';
import { registerEmailLinkRoutes } from '../../domains/email-links/fapi.js';

/**
 * The origins the Frontend API admits with credentials: the app's and Latch's own, the instance's allowed
 * origins, and on development instances any local page. Read per request, rebuilt only when the (cached,
 * frozen) settings object changes.
 */
export function frontendOriginPolicy(deps: Pick<AppDeps, 'config' | 'instance' | 'bootstrap'>): () => Promise<OriginPolicy> {
  const { config, instance, bootstrap } = deps;
  const development = bootstrap.instance.environmentType === 'development';
  const fixedOrigins = [originOf(config.appUrl), originOf(config.publicUrl)].filter((o): o is string => o !== null);
  let policyFor: { auth: unknown; policy: OriginPolicy } | null = null;
  return async () => {
    const { auth } = await instance.settings();
    if (policyFor?.auth !== auth) policyFor = { auth, policy: { allowed: new Set([...fixedOrigins, ...auth.allowed_origins]), allowLocal: development } };
    return policyFor.policy;
  };
}

export function mountFrontendApi(deps: AppDeps): { fetch(request: Request, env?: unknown): Response | Promise<Response> } {
  const { config, instance, clients, sessions, signIns, signUps, users, account, organizations, bootstrap, logger } = deps;
  const development = bootstrap.instance.environmentType === 'development';
  const publicUrl = config.publicUrl;
  const now = () => Date.now();

  const originPolicy = frontendOriginPolicy(deps);

  /** An e-mail link's landing page may send the browser only to an allowed origin (no open redirect). */
  async function checkRedirect(url: string | undefined): Promise<string | undefined> {
    if (url === undefined || url === '') return undefined;
    allowedRedirect(await originPolicy(), url);
    return url;
  }

  const router = createFapiRouter();
  registerEnvironmentRoutes(router, async () => {
    const s = await instance.settings();
    return environmentJSON({
      instanceId: bootstrap.instance.id,
      environmentType: bootstrap.instance.environmentType,
      auth: s.auth,
      restrictions: s.restrictions,
      organizations: s.organizations,
      appName: config.appName,
      appUrl: config.appUrl,
      signInUrl: `${config.appUrl.replace(/\/$/, '')}/sign-in`,
      signUpUrl: config.signUpUrl,
      mfaAvailable: true,
    });
  });
  registerClientRoutes(router, clients, { development });
  registerSignInRoutes(router, {
    signIns,
    guard: deps.guard,
    checkRedirect,
    async present(id) {
      const view = await signIns.view(id);
      return view ? signInJSON(view, (await instance.settings()).auth, publicUrl, now()) : null;
    },
    async presentView(view) {
      return signInJSON(view, (await instance.settings()).auth, publicUrl, now());
    },
  });
  registerSignUpRoutes(router, {
    signUps,
    guard: deps.guard,
    checkRedirect,
    async present(id) {
      const view = await signUps.view(id);
      return view ? signUpJSON(view, (await instance.settings()).auth, now()) : null;
    },
  });
  registerEmailLinkRoutes(router, { emailLinks: deps.emailLinks, guard: deps.guard });
  async function presentUser(userId: string) {
    const [[user], memberships] = await Promise.all([clients.usersOf([userId]), organizations.frontendMembershipsOf([userId])]);
    return user ? { ...frontendUserJSON(user, publicUrl, await account.pendingVerifications([user])), organization_memberships: memberships.get(userId) ?? [] } : null;
  }
  async function presentSession(session: SessionRow) {
    const [[user], memberships] = await Promise.all([clients.usersOf([session.user_id]), organizations.frontendMembershipsOf([session.user_id])]);
    return frontendSessionJSON(session, user ?? null, publicUrl, now(), null, await account.pendingVerifications([user ?? null]), memberships.get(session.user_id) ?? []);
  }
  const guard = deps.guard;
  registerMeRoutes(router, { sessions, users, account, guard, publicUrl, uploadLimit: config.maxImageBytes + 64 * 1024, present: presentUser });
  registerMeIdentifierRoutes(router, {
    checkRedirect,
    sessions,
    users,
    account,
    guard,
    async present(rows) {
      const pending = await account.pendingVerificationsOf(rows);
      return rows.map((r) => (r.type === 'email_address' ? emailAddressJSON(r, pending) : phoneNumberJSON(r, pending)));
    },
  });
  registerMeSecurityRoutes(router, {
    sessions,
    users,
    account,
    guard,
    issuer: config.appName,
    async presentSessions(rows, active) {
      // All of one user's: their user and verifications are read once.
      const users = await clients.usersOf([...new Set(rows.map((r) => r.user_id))]);
      const byId = new Map(users.map((u) => [u.user.id, u]));
      const pending = await account.pendingVerifications(users);
      const t = now();
      return rows.map((r) => {
        const shown = frontendSessionJSON(r, byId.get(r.user_id) ?? null, publicUrl, t, null, pending);
        return active ? activeSessionJSON(shown, r) : shown;
      });
    },
  });
  registerSessionRoutes(router, { sessions, present: presentSession });

  registerOrganizationFrontendRoutes(router, { organizations, sessions, instance, publicUrl, uploadLimit: config.maxImageBytes + 64 * 1024 });

  const surface = fapiSurface({
    clients,
    async clientJSON(clientId, c, known) {
      const view = known ?? (await clients.view(clientId));
      if (!view) return null;
      const active = view.client.last_active_session_id;
      const tokens = new Map<string, TokenJSON>();
      // The active session carries a fresh token, so a page load needs no separate token request.
      const activeSession = active ? view.sessions.find((s) => s.session.id === active) : undefined;
      if (active && activeSession) {
        // A session this request created and committed (its user checked in that transaction) is signed
        // from the row it wrote; any other is read and checked again.
        const minted = known ? sessions.tokenOfNew(activeSession.session, { azp: azpOf(c) }) : sessions.token(active, clientId, { azp: azpOf(c) });
        const jwt = await minted.catch(() => null);
        if (jwt) tokens.set(active, { object: 'token', jwt });
      }
      const signInView = view.client.sign_in_id ? await signIns.view(view.client.sign_in_id) : null;
      const signIn = signInView && signInView.signIn.status !== 'complete' ? signInJSON(signInView, (await instance.settings()).auth, publicUrl, now()) : null;
      const signUpView = view.client.sign_up_id ? await signUps.view(view.client.sign_up_id) : null;
      const signUp = signUpView && signUpView.signUp.status !== 'complete' ? signUpJSON(signUpView, (await instance.settings()).auth, now()) : null;
      const [verifications, memberships] = await Promise.all([
        account.pendingVerifications(view.sessions.map((s) => s.user)),
        view.sessions.length ? organizations.frontendMembershipsOf(view.sessions.map((s) => s.session.user_id)) : undefined,
      ]);
      return clientJSON(view, publicUrl, now(), { tokens, signIn, signUp, verifications, ...(memberships ? { memberships } : {}) });
    },
  });

  const publishableKey = publishableKeyFor(bootstrap.instance.environmentType, publicUrl);
  return createFapiApp({
    router,
    surface,
    logger,
    originPolicy,
    handshake: handshakeHandler({ handshake: deps.handshake, originPolicy, development, suffix: cookieSuffix(publishableKey) }),
    publishableKey,
    cookies: { secure: publicUrl.startsWith('https:'), domain: null },
    jwks: async () => jwksJSON(await instance.jwks()),
    trustProxy: config.trustProxy,
    async discardClient(id) {
      await signIns.discardOfClient(id);
      await signUps.discardOfClient(id);
      await clients.destroy(id);
    },
    async clientUat(clientId) {
      const found = await clients.withSessions(clientId);
      return found ? clientUatOf(found.sessions.length, found.client.updated_at) : 0;
    },
  });
}
