/**
 * Builds the Frontend API from the services: its router and routes, the surface, the origin policy and
 * the cookie settings, all derived from the configuration and the instance settings.
 */
import type { AppDeps } from '../../app.js';
import type { TokenJSON } from '@latch/core';
import { clientJSON, frontendSessionJSON } from '../../domains/clients/serialize.js';
import { registerSessionRoutes } from '../../domains/sessions/fapi.js';
import { registerOrganizationFrontendRoutes } from '../../domains/organizations/fapi.js';
import { registerMeRoutes } from '../../domains/me/fapi.js';
import { frontendUserJSON } from '../../domains/users/serialize.js';
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
import { clientUatOf } from './cookies.js';
import { createFapiRouter, fapiSurface } from './surface.js';
import { originOf, type OriginPolicy } from './transport.js';

export function mountFrontendApi(deps: AppDeps): { fetch(request: Request): Response | Promise<Response> } {
  const { config, instance, clients, sessions, signIns, signUps, users, organizations, bootstrap, logger } = deps;
  const development = bootstrap.instance.environmentType === 'development';
  const publicUrl = config.publicUrl;
  const now = () => Date.now();

  const fixedOrigins = [originOf(config.appUrl), originOf(publicUrl)].filter((o): o is string => o !== null);
  // Rebuilt only when the (cached, frozen) settings object changes.
  let policyFor: { auth: unknown; policy: OriginPolicy } | null = null;
  async function originPolicy(): Promise<OriginPolicy> {
    const { auth } = await instance.settings();
    if (policyFor?.auth !== auth) policyFor = { auth, policy: { allowed: new Set([...fixedOrigins, ...auth.allowed_origins]), allowLocal: development } };
    return policyFor.policy;
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
    async present(id) {
      const view = await signIns.view(id);
      return view ? signInJSON(view, (await instance.settings()).auth, publicUrl, now()) : null;
    },
  });
  registerSignUpRoutes(router, {
    signUps,
    guard: deps.guard,
    async present(id) {
      const view = await signUps.view(id);
      return view ? signUpJSON(view, (await instance.settings()).auth, now()) : null;
    },
  });
  registerMeRoutes(router, {
    sessions,
    users,
    async present(userId) {
      const [[user], memberships] = await Promise.all([clients.usersOf([userId]), organizations.frontendMembershipsOf([userId])]);
      return user ? { ...frontendUserJSON(user, publicUrl), organization_memberships: memberships.get(userId) ?? [] } : null;
    },
  });
  registerSessionRoutes(router, {
    sessions,
    async present(session) {
      const [[user], memberships] = await Promise.all([clients.usersOf([session.user_id]), organizations.frontendMembershipsOf([session.user_id])]);
      return frontendSessionJSON(session, user ?? null, publicUrl, now(), null, memberships.get(session.user_id) ?? []);
    },
  });

  registerOrganizationFrontendRoutes(router, { organizations, sessions, instance, publicUrl, uploadLimit: config.maxImageBytes + 64 * 1024 });

  const surface = fapiSurface({
    clients,
    async clientJSON(clientId, c) {
      const view = await clients.view(clientId);
      if (!view) return null;
      const active = view.client.last_active_session_id;
      const tokens = new Map<string, TokenJSON>();
      // The active session carries a fresh token, so a page load needs no separate token request.
      if (active && view.sessions.some((s) => s.session.id === active)) {
        const jwt = await sessions.token(active, clientId, { azp: azpOf(c) }).catch(() => null);
        if (jwt) tokens.set(active, { object: 'token', jwt });
      }
      const signInView = view.client.sign_in_id ? await signIns.view(view.client.sign_in_id) : null;
      const signIn = signInView && signInView.signIn.status !== 'complete' ? signInJSON(signInView, (await instance.settings()).auth, publicUrl, now()) : null;
      const signUpView = view.client.sign_up_id ? await signUps.view(view.client.sign_up_id) : null;
      const signUp = signUpView && signUpView.signUp.status !== 'complete' ? signUpJSON(signUpView, (await instance.settings()).auth, now()) : null;
      const memberships = view.sessions.length ? await organizations.frontendMembershipsOf(view.sessions.map((s) => s.session.user_id)) : undefined;
      return clientJSON(view, publicUrl, now(), { tokens, signIn, signUp, ...(memberships ? { memberships } : {}) });
    },
  });

  return createFapiApp({
    router,
    surface,
    logger,
    originPolicy,
    publishableKey: publishableKeyFor(bootstrap.instance.environmentType, publicUrl),
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
