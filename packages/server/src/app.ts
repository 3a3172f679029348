/**
 * Builds the HTTP app: the BAPI under /v1, health and readiness, images, and the one error handler that
 * writes every failure as the wire envelope with a trace id.
 */
import { Hono } from 'hono';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { registerUserRoutes } from './domains/users/bapi.js';
import type { InstanceService } from './domains/instance/service.js';
import type { KeyService } from './domains/keys/service.js';
import type { UsersService } from './domains/users/service.js';
import { registerAccessRoutes } from './domains/access/bapi.js';
import { registerInstanceRoutes } from './domains/instance/bapi.js';
import type { AccessService } from './domains/access/service.js';
import { registerInvitationRoutes } from './domains/invitations/bapi.js';
import type { InvitationsService } from './domains/invitations/service.js';
import { registerMessageRoutes } from './domains/messages/bapi.js';
import { emailJSON, smsJSON } from './domains/messages/serialize.js';
import { paginatedJSON } from './domains/users/serialize.js';
import { jwksJSON } from './domains/instance/serialize.js';
import type { MessagingService } from './domains/messages/service.js';
import { registerTemplateRoutes } from './domains/templates/bapi.js';
import type { TemplatesService } from './domains/templates/service.js';
import { escapeHtml } from './domains/templates/render.js';
import type { BootstrapResult } from './domains/instance/service.js';
import { registerOrganizationRoutes } from './domains/organizations/bapi.js';
import type { OrganizationsService } from './domains/organizations/service.js';
import { ApiError } from './errors.js';
import { hasBody } from './http/router.js';
import { bodyConsumed } from './http/body.js';
import { bapiSurface, createBapiRouter } from './http/bapi/surface.js';
import { newTraceId } from './http/trace.js';
import { errorEnvelope, errorResponse, notFoundError } from './http/error-response.js';
import { JwksSchema } from './http/wire-schemas.js';
import { type Storage } from './storage/database.js';
import type { ClientsService } from './domains/clients/service.js';
import type { SessionsService } from './domains/sessions/service.js';
import type { SignInsService } from './domains/sign-ins/service.js';
import type { SignUpsService } from './domains/sign-ups/service.js';
import type { EmailLinksService } from './domains/email-links/service.js';
import type { AccountService } from './domains/me/service.js';
import type { Guard } from './limits/policy.js';
import { mountFrontendApi } from './http/fapi/mount.js';
import { registerClientBackendRoutes } from './domains/clients/bapi.js';
import { registerSessionBackendRoutes } from './domains/sessions/bapi.js';
import { registerSignInTokenRoutes } from './domains/sign-in-tokens/bapi.js';
import type { SignInTokensService } from './domains/sign-in-tokens/service.js';
import { registerJwtTemplateRoutes } from './domains/jwt-templates/bapi.js';
import type { JwtTemplatesService } from './domains/jwt-templates/service.js';
import { migrationsApplied } from './storage/migrations.js';
import type { HandshakeService } from './domains/handshake/service.js';
import { registerHandshakeBackendRoutes } from './domains/handshake/bapi.js';

export interface AppDeps {
  config: Config;
  storage: Storage;
  logger: Logger;
  keys: KeyService;
  instance: InstanceService;
  users: UsersService;
  templates: TemplatesService;
  messaging: MessagingService;
  access: AccessService;
  invitations: InvitationsService;
  organizations: OrganizationsService;
  clients: ClientsService;
  sessions: SessionsService;
  signIns: SignInsService;
  signUps: SignUpsService;
  emailLinks: EmailLinksService;
  handshake: HandshakeService;
  account: AccountService;
  guard: Guard;
  signInTokens: SignInTokensService;
  jwtTemplates: JwtTemplatesService;
  bootstrap: BootstrapResult;
}

type Env = { Variables: { traceId: string } };

const DEFAULT_AVATAR = `<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128" viewBox="0 0 128 128"><rect width="128" height="128" fill="#6c47ff"/><circle cx="64" cy="50" r="22" fill="#fff"/><path d="M24 112c4-22 20-34 40-34s36 12 40 34z" fill="#fff"/></svg>`;

export function createApp(deps: AppDeps): Hono<Env> {
  const { config, storage, logger, keys, instance, users, templates, messaging, access, invitations, organizations, bootstrap } = deps;
  const instanceId = () => bootstrap.instance.id;
  const app = new Hono<Env>();

  // The Frontend API is its own app (its own CORS, cookies, envelopes and trace ids).
  const fapi = mountFrontendApi(deps);
  app.all('/fapi/*', (c) => fapi.fetch(c.req.raw, c.env));

  app.use('*', async (c, next) => {
    const traceId = newTraceId();
    c.set('traceId', traceId);
    c.header('x-latch-trace-id', traceId);
    await next();
    // A body left unread (an unknown route, an early rejection) would stay in the connection and corrupt
    // the client's next request on it: end the connection after this response instead.
    if (hasBody(c) && !bodyConsumed(c)) c.res.headers.set('Connection', 'close');
  });

  app.onError((err, c) => errorResponse(c, err, c.get('traceId'), logger));
  app.notFound((c) => errorEnvelope(c, notFoundError(c), c.get('traceId')));

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    try {
      const ready = await migrationsApplied(storage);
      return ready ? c.json({ status: 'ready' }) : c.json({ status: 'migrations pending' }, 503);
    } catch (err) {
      logger.warn({ err }, 'readiness check failed');
      return c.json({ status: 'database unreachable' }, 503);
    }
  });

  app.get('/images/default-avatar.svg', (c) => {
    c.header('Cache-Control', 'public, max-age=86400');
    return c.body(DEFAULT_AVATAR, 200, { 'Content-Type': 'image/svg+xml' });
  });
  app.get('/images/:id', async (c) => {
    const image = await users.image(c.req.param('id'));
    if (!image) throw new ApiError({ code: 'resource_not_found', longMessage: 'Image not found' });
    // Stored images are immutable (a new upload gets a new id), so they can be cached for good.
    return c.body(new Uint8Array(image.bytes), 200, {
      'Content-Type': image.content_type,
      'Content-Length': String(image.size),
      'Cache-Control': 'public, max-age=31536000, immutable',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'",
    });
  });

  const router = createBapiRouter();
  const bapi = bapiSurface(keys);
  router.add(
    {
      method: 'get',
      path: '/jwks',
      operationId: 'GetJWKS',
      summary: 'Retrieve the JSON Web Key Set of the instance',
      description: 'Public keys that verify session tokens: RSA-2048, RS256.',
      tags: ['JWKS'],
      responses: { 200: { description: 'The JWKS', schema: JwksSchema } },
    },
    async () => jwksJSON(await instance.jwks()),
  );
  // Image uploads: the configured image size plus room for the multipart framing.
  const uploadLimit = config.maxImageBytes + 64 * 1024;
  registerUserRoutes(router, users, config.publicUrl, uploadLimit);
  registerAccessRoutes(router, access, instance, instanceId);
  registerInstanceRoutes(router, instance, () => bootstrap.instance);
  registerInvitationRoutes(router, invitations);
  registerTemplateRoutes(router, templates, instanceId);
  registerMessageRoutes(router, messaging, config.twilio?.from ?? null);
  registerSessionBackendRoutes(router, deps.sessions);
  // Before /clients/{client_id}, which would otherwise take `handshake_payload` for an id.
  registerHandshakeBackendRoutes(router, deps.handshake);
  registerClientBackendRoutes(router, deps.clients, deps.sessions);
  registerSignInTokenRoutes(router, deps.signInTokens);
  registerJwtTemplateRoutes(router, deps.jwtTemplates);
  registerOrganizationRoutes(router, { organizations, instance, publicUrl: config.publicUrl, uploadLimit });

  // The link in an invitation e-mail: a usable ticket redirects to the sign-up page carrying it; a
  // revoked, expired, used or forged one gets a plain page saying so.
  app.get('/tickets/accept', async (c) => {
    const ticket = c.req.query('ticket') ?? '';
    const instanceInvitation = ticket ? await invitations.peek(ticket) : null;
    const orgInvitation = ticket && !instanceInvitation ? await organizations.peekTicket(ticket) : null;
    const row = instanceInvitation ?? orgInvitation;
    const status = instanceInvitation ? invitations.statusOf(instanceInvitation) : orgInvitation ? organizations.orgInvitationStatus(orgInvitation) : null;
    if (!row || status !== 'pending') {
      const why = !row ? 'This invitation link is not valid.' : `This invitation has been ${status === 'accepted' ? 'used already' : status}.`;
      c.header('Cache-Control', 'no-store');
      return c.html(
        `<!doctype html><html><head><meta charset="utf-8"><title>Invitation</title></head><body style="font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto"><h1>Invitation unavailable</h1><p>${escapeHtml(why)}</p><p>You can still <a href="${escapeHtml(config.signUpUrl)}">sign up</a> if the application allows it.</p></body></html>`,
        row ? 410 : 404,
      );
    }
    const target = new URL(row.redirect_url ?? config.signUpUrl);
    target.searchParams.set('__clerk_ticket', ticket);
    // An organization invitation to an address that already has an account is accepted by signing in.
    const existing = orgInvitation ? await organizations.addressHasAccount(orgInvitation.normalized) : false;
    target.searchParams.set('__clerk_status', existing ? 'sign_in' : 'sign_up');
    c.header('Cache-Control', 'no-store');
    return c.redirect(target.toString(), 303);
  });

  // The dev outbox: what Latch would have sent, for developers without an SMTP server or SMS provider.
  // Development instances only: it shows verification codes and invitation links.
  if (bootstrap.instance.environmentType === 'development') {
    app.get('/dev/outbox', async (c) => {
      const limit = Math.min(Math.max(Number(c.req.query('limit') ?? 50) || 50, 1), 500);
      const rows = await messaging.recent(limit);
      return c.json(paginatedJSON(rows.map((m) => (m.kind === 'email' ? emailJSON(m) : smsJSON(m, config.twilio?.from ?? null))), rows.length));
    });
  }

  const openapi = () => router.openapi({ title: 'Latch Backend API', version: '2025-11-10', serverUrl: config.publicUrl, prefix: '/v1', surface: bapi });
  let openapiCache: string | null = null;
  app.get('/v1/openapi.json', (c) => {
    openapiCache ??= JSON.stringify(openapi());
    return c.body(openapiCache, 200, { 'Content-Type': 'application/json' });
  });

  router.mount(app as unknown as Hono, '/v1', bapi);
  return app;
}
