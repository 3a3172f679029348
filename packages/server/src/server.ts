/**
 * Starts a complete Latch server from a Config: storage, migrations, bootstrap, services, HTTP listener.
 * Tests and the CLI both use this, so what the tests exercise is what runs.
 */
import type { AddressInfo, Socket } from 'node:net';
import { serve } from '@hono/node-server';
import { pino, type Logger } from 'pino';
import { createApp } from './app.js';
import type { Config } from './config.js';
import { createInstanceService, frontendApiOrigin, publishableKeyFor, type BootstrapResult } from './domains/instance/service.js';
import { createKeyService } from './domains/keys/service.js';
import { createUsersService } from './domains/users/service.js';
import { createAccessService } from './domains/access/service.js';
import { createInvitationsService } from './domains/invitations/service.js';
import { createMessagingService } from './domains/messages/service.js';
import { createTemplatesService } from './domains/templates/service.js';
import { transportsFromConfig } from './delivery/transports.js';
import { createDeliveryWorker } from './delivery/worker.js';
import { createRolesService } from './domains/organizations/roles/service.js';
import { createOrganizationsService } from './domains/organizations/service.js';
import { createClientsService } from './domains/clients/service.js';
import { aggregate, createUserLoader, findUsersByIds } from './domains/users/repository.js';
import { createSessionsService } from './domains/sessions/service.js';
import { createSignInTokensService } from './domains/sign-in-tokens/service.js';
import { createJwtTemplatesService } from './domains/jwt-templates/service.js';
import { claimsUserOf } from './domains/jwt-templates/serialize.js';
import { createVerificationsService } from './domains/verifications/service.js';
import { createAccountService } from './domains/me/service.js';
import { createSignInsService } from './domains/sign-ins/service.js';
import { createHandshakeService } from './domains/handshake/service.js';
import { createSignUpsService } from './domains/sign-ups/service.js';
import { createEmailLinksService } from './domains/email-links/service.js';
import { memoryRateLimiter, redisRateLimiter, type RateLimiter } from './limits/rate-limiter.js';
import { createGuard, type Guard } from './limits/policy.js';
import { createTokenSigner } from './crypto/session-tokens.js';
import { findActiveSigningKey } from './domains/keys/repository.js';
import { openStorage, type Storage, type StorageOptions } from './storage/database.js';
import { migrateToLatest } from './storage/migrations.js';
import { newTraceId } from './http/trace.js';
import { ApiError } from './errors.js';
import { STATUS_CODES, type Server as HttpServer } from 'node:http';
import { answerTokenRefreshesFirst } from './http/fapi/token-refresh.js';
import { frontendOriginPolicy } from './http/fapi/mount.js';

export interface Services {
  storage: Storage;
  logger: Logger;
  keys: ReturnType<typeof createKeyService>;
  instance: ReturnType<typeof createInstanceService>;
  users: ReturnType<typeof createUsersService>;
  templates: ReturnType<typeof createTemplatesService>;
  messaging: ReturnType<typeof createMessagingService>;
  access: ReturnType<typeof createAccessService>;
  invitations: ReturnType<typeof createInvitationsService>;
  delivery: ReturnType<typeof createDeliveryWorker>;
  transports: ReturnType<typeof transportsFromConfig>;
  roles: ReturnType<typeof createRolesService>;
  organizations: ReturnType<typeof createOrganizationsService>;
  clients: ReturnType<typeof createClientsService>;
  sessions: ReturnType<typeof createSessionsService>;
  signInTokens: ReturnType<typeof createSignInTokensService>;
  jwtTemplates: ReturnType<typeof createJwtTemplatesService>;
  verifications: ReturnType<typeof createVerificationsService>;
  signIns: ReturnType<typeof createSignInsService>;
  signUps: ReturnType<typeof createSignUpsService>;
  emailLinks: ReturnType<typeof createEmailLinksService>;
  handshake: ReturnType<typeof createHandshakeService>;
  /** Signs session tokens with the active key; `rotate()` makes it load the active key again. */
  signer: ReturnType<typeof createTokenSigner>;
  account: ReturnType<typeof createAccountService>;
  limiter: RateLimiter;
  guard: Guard;
}

/**
 * Opens storage, applies migrations, bootstraps the instance and builds every service. The delivery
 * worker is built but not started: `startServer` starts it, one-shot CLI commands do not.
 */
export async function createServices(config: Config, options: { logger?: Logger; storage?: StorageOptions } = {}): Promise<Services & { bootstrap: BootstrapResult }> {
  const logger = options.logger ?? pino({ level: config.logLevel });
  const storage = await openStorage(config.databaseUrl, { preparedStatements: config.preparedStatements, ...options.storage });
  await migrateToLatest(storage);
  const keys = createKeyService(storage.db);
  const instance = createInstanceService(storage.db, keys);
  const bootstrap = await instance.bootstrap(config.secretKey);
  const settings = await instance.settings();
  const templates = createTemplatesService(storage.db, () => ({ name: config.appName, url: config.appUrl }));
  const transports = transportsFromConfig(config);
  let wake = () => undefined as void;
  const messaging = createMessagingService({ db: storage.db, templates, wake: () => wake() });
  const delivery = createDeliveryWorker({ db: storage.db, dialect: storage.dialect, logger, email: transports.email, sms: transports.sms });
  wake = () => delivery.notify();
  const access = createAccessService({ db: storage.db, instance, messaging, signUpUrl: config.signUpUrl });
  const invitations = createInvitationsService({
    db: storage.db,
    messaging,
    publicUrl: config.publicUrl,
    ticketSecret: Buffer.from(settings.ticketSecret, 'base64url'),
  });
  const roles = createRolesService(storage.db);
  await roles.seed();
  const organizations = createOrganizationsService({
    db: storage.db,
    dialect: storage.dialect,
    instance,
    roles,
    messaging,
    publicUrl: config.publicUrl,
    ticketSecret: Buffer.from(settings.ticketSecret, 'base64url'),
  });
  const users = createUsersService({
    db: storage.db,
    dialect: storage.dialect,
    maxImageBytes: config.maxImageBytes,
    admit: (ids) => access.assertSignUpAllowed(ids),
    beforeDelete: (trx, userId) => organizations.detachUser(trx, userId),
    afterVerifiedEmails: async (userId) => {
      // Enrollment is a side effect: a failure is logged, never turned into a failed user write.
      await organizations.enrollUser(userId).catch((err: unknown) => logger.error({ err, userId }, 'domain enrollment failed'));
    },
  });
  const clients = createClientsService({
    db: storage.db,
    loadUsers: async (ids) => aggregate(storage.db, await findUsersByIds(storage.db, ids)),
  });
  const development = bootstrap.instance.environmentType === 'development';
  const loadUser = createUserLoader(storage.db);
  const jwtTemplates = createJwtTemplatesService({ db: storage.db, loadUser, claimsUserOf: (u) => claimsUserOf(u, config.publicUrl) });
  const authSettings = async () => (await instance.settings()).auth;
  const signer = createTokenSigner(async () => {
    const key = await findActiveSigningKey(storage.db);
    return key ? { kid: key.kid, privatePem: key.private_pem } : undefined;
  });
  const sessions = createSessionsService({
    db: storage.db,
    settings: authSettings,
    signer,
    issuer: frontendApiOrigin(config.publicUrl),
    organizationClaims: (userId, orgId, naming) => organizations.sessionClaims(userId, orgId, naming),
    customClaims: (userId, name) => jwtTemplates.claimsFor(userId, name),
    publicKeys: () => instance.jwks(),
  });
  const signInTokens = createSignInTokensService({
    db: storage.db,
    userExists: async (id) => (await loadUser(id)) !== null,
    signInUrl: `${config.appUrl.replace(/\/$/, '')}/sign-in`,
  });
  const verifications = createVerificationsService({
    secret: Buffer.from(settings.ticketSecret, 'base64url'),
    db: storage.db,
    testMode: async () => development && (await authSettings()).test_mode,
  });
  // Rate limits and lockouts: in this process, or shared through Redis by every process.
  const limiter = config.redisUrl ? redisRateLimiter(config.redisUrl, logger, `latch:rl:${bootstrap.instance.id}:`) : memoryRateLimiter();
  const guard = createGuard(limiter, async () => (await authSettings()).lockout);
  // E-mail links land on the Frontend API's /verify, which finishes the attempt and sends the browser on.
  const linkUrl = (token: string) => `${config.publicUrl.replace(/\/$/, '')}/fapi/v1/verify?token=${encodeURIComponent(token)}`;
  const signIns = createSignInsService({
    db: storage.db,
    settings: authSettings,
    verifications,
    sessions,
    messaging,
    loadUser,
    verifyPassword: (userId, password, known) => users.verifyPassword(userId, password, known),
    verifySecondFactor: (userId, code) => users.verifySecondFactor(userId, code),
    setPassword: async (userId, password) => {
      await users.update(userId, { password });
    },
    guard,
    linkUrl,
    // A sign-in token from the Backend API, or an organization invitation's ticket (its invitee joins).
    redeemTicket: async (tx, ticket) => (await signInTokens.redeemInTx(tx, ticket)) ?? (await organizations.redeemTicketForSignIn(tx, ticket)),
  });
  const signUps = createSignUpsService({
    db: storage.db,
    settings: authSettings,
    access,
    invitations,
    verifications,
    sessions,
    messaging,
    createUser: async (input) => (await users.create(input)).user,
    deleteUser: (id) => users.delete(id),
    linkUrl,
    organizationTickets: { peek: (ticket) => organizations.peekTicketForSignUp(ticket), redeem: (tx, ticket, userId) => organizations.redeemTicketForSignUp(tx, ticket, userId) },
  });
  const handshake = createHandshakeService({ db: storage.db, signer, clients, sessions });
  const account = createAccountService({
    db: storage.db,
    settings: authSettings,
    users,
    verifications,
    messaging,
    sessions,
    guard,
    admit: (ids) => access.assertSignUpAllowed(ids),
    linkUrl,
  });
  const emailLinks = createEmailLinksService({ db: storage.db, settings: authSettings, verifications, signIns, signUps, identifications: account });
  return { storage, logger, keys, instance, users, templates, messaging, access, invitations, delivery, transports, roles, organizations, clients, sessions, verifications, signIns, signUps, emailLinks, handshake, signer, account, limiter, guard, signInTokens, jwtTemplates, bootstrap };
}

export interface RunningServer {
  url: string;
  port: number;
  services: Services;
  bootstrap: BootstrapResult;
  publishableKey: string;
  close(): Promise<void>;
}

/** Starts the server and resolves once it listens. `config.port` 0 picks a free port. */
export interface StartOptions {
  logger?: Logger;
  storage?: StorageOptions;
  /** Answer token refreshes on their direct path (http/fapi/token-refresh.ts); default true. */
  directTokenRefresh?: boolean;
}

/** Starts the server and resolves once it listens. `config.port` 0 picks a free port. */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  // The public URL must be known before services build links (invitations); with an ephemeral port it
  // is fixed up below, after listening.
  const pending = config.port === 0 && /:0$/.test(config.publicUrl);
  // Listen first so an ephemeral port (0) is known before the app builds its public URLs.
  // `env` is the Node adapter's bindings (the incoming connection): the caller's address comes from it.
  let handle: (request: Request, env: unknown) => Response | Promise<Response> = () => new Response('starting', { status: 503 });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: (request, env) => handle(request, env), port: config.port, hostname: config.host }, () => resolve(s));
  });
  // Requests Node's parser rejects before the app sees them (headers or URL over 16 KB, malformed
  // requests) still get the JSON error envelope rather than a bare status line.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable) return socket.destroy();
    const error =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? ApiError.of('request_header_fields_too_large', 'The URL or headers exceed 16 KB.')
        : ApiError.of('request_body_invalid', 'The request could not be parsed as HTTP.');
    const body = JSON.stringify({ errors: error.toJSON(), clerk_trace_id: newTraceId() });
    socket.end(
      `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ''}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  const publicUrl = pending ? config.publicUrl.replace(/:0$/, `:${port}`) : config.publicUrl;
  const effective: Config = {
    ...config,
    port,
    publicUrl,
    appUrl: config.appUrl.replace(/:0$/, `:${port}`),
    signUpUrl: config.signUpUrl.replace(/:0\//, `:${port}/`),
  };
  let services: Awaited<ReturnType<typeof createServices>>;
  try {
    services = await createServices(effective, options);
  } catch (err) {
    server.close();
    throw err;
  }
  const { bootstrap } = services;
  const app = createApp({ config: effective, ...services });
  handle = (request, env) => app.fetch(request, env);
  if (options.directTokenRefresh !== false) {
    const originPolicy = frontendOriginPolicy({ config: effective, ...services });
    answerTokenRefreshesFirst(server as unknown as HttpServer, { clients: services.clients, sessions: services.sessions, originPolicy, fetch: (request, env) => app.fetch(request, env), logger: services.logger });
  }
  services.delivery.start();
  return {
    url,
    port,
    services,
    bootstrap,
    publishableKey: publishableKeyFor(bootstrap.instance.environmentType, effective.publicUrl),
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections would hold close() open; end them.
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      await services.delivery.stop();
      await services.transports.email?.close?.();
      await services.limiter.close();
      await services.storage.close();
    },
  };
}
