import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import bodyParser from 'koa-bodyparser';
import { loadApiSpec, type ApiSpec } from './api-spec.js';
import { AccessTokens } from './auth/access-tokens.js';
import { LoginThrottle, memoryLoginLimiters, type LoginLimiters } from './auth/login-throttle.js';
import { PasswordPolicy } from './auth/password-policy.js';
import { PasswordHasher } from './auth/passwords.js';
import { RefreshTokenCodec } from './auth/refresh-tokens.js';
import { SecretBox } from './auth/secret-box.js';
import { Totp } from './auth/totp.js';
import { redisLoginLimiters } from './auth/redis-login-limiters.js';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import { migrateToLatest, openDatabase, type Orm } from './db/orm.js';
import { openSessionLookup } from './db/session-lookup.js';
import { accountMailHandlers } from './features/account-mail/account-mail.handlers.js';
import { AccountMail } from './features/account-mail/account-mail.service.js';
import { adminHandlers } from './features/admin/admin.handlers.js';
import { AdminService } from './features/admin/admin.service.js';
import { keysHandlers } from './features/keys/keys.handlers.js';
import { healthHandlers } from './features/health/health.handlers.js';
import { Readiness } from './features/health/readiness.js';
import { metricsHandlers } from './features/metrics/metrics.handlers.js';
import { mfaHandlers } from './features/mfa/mfa.handlers.js';
import { MfaService } from './features/mfa/mfa.service.js';
import { sessionsHandlers } from './features/sessions/sessions.handlers.js';
import { SessionsService } from './features/sessions/sessions.service.js';
import { usersHandlers } from './features/users/users.handlers.js';
import { UsersService } from './features/users/users.service.js';
import { authenticateBearer } from './http/authenticate.js';
import { accountPageRoutes } from './http/account-page.js';
import { clientAddress } from './http/client-address.js';
import { docsRoutes } from './http/docs.js';
import { errorHandler } from './http/error-handler.js';
import { openapiValidator } from './http/openapi-validator.js';
import { noSniff } from './http/no-sniff.js';
import { requestContext } from './http/request-context.js';
import { observeRequests } from './http/observe-requests.js';
import { requestId } from './http/request-id.js';
import { cors } from './http/cors.js';
import { createRouter } from './http/router.js';
import { TokenResponses } from './http/token-response.js';
import type { AppState, OperationHandlers } from './http/state.js';
import { listenProblem } from './listen-error.js';
import { createLogger, type Logger } from './logger.js';
import { createMailThrottle } from './mail/mail-throttle.js';
import { MailSender } from './mail/sender.js';
import { createMailTransport } from './mail/transport.js';
import { createMetrics } from './metrics.js';
import { closeRedis, openRedis, type Redis } from './redis.js';

export interface RunningApp {
  app: Koa<AppState>;
  orm: Orm;
  /** The shared Redis connection, when REDIS_URL is set. */
  redis: Redis | undefined;
  logger: Logger;
  /** e.g. `http://127.0.0.1:8000` */
  url: string;
  /** Stops accepting, lets in-flight requests finish, closes the database and Redis. */
  stop(): Promise<void>;
}

export interface AppOptions {
  logger?: Logger;
  spec?: ApiSpec;
  /** Shared counters for many instances; in-process ones by default. */
  loginLimiters?: LoginLimiters;
  /** The time access tokens are issued and checked at; tests move it. */
  clock?: Clock;
}

/** The composition root: wiring only, no logic. */
export async function createApp(config: Config, options: AppOptions = {}) {
  const logger = options.logger ?? createLogger(config.logLevel);
  const spec = options.spec ?? loadApiSpec();
  const orm = await openDatabase(config.database);
  const applied = await migrateToLatest(orm);
  if (applied.length > 0) logger.info({ migrations: applied }, 'applied migrations');

  const sessionLookup = await openSessionLookup(config.database, orm.em, logger);
  const accessTokens = new AccessTokens({ ...config.jwt, ttlSeconds: config.jwt.accessTokenTtlSeconds }, options.clock);
  const passwords = new PasswordHasher(config.bcryptRounds, config.passwordPepper);
  const sessions = new SessionsService({
    em: orm.em,
    accessTokens,
    refreshTokens: new RefreshTokenCodec(config.jwt.secret),
    settings: config.sessions,
    lookup: sessionLookup,
    clock: options.clock,
  });
  const redis = config.redis ? await openRedis(config.redis, logger) : undefined;
  const loginThrottle = new LoginThrottle(
    options.loginLimiters ??
      (redis && config.redis ? redisLoginLimiters(redis, config.loginThrottle, config.redis.keyPrefix) : memoryLoginLimiters(config.loginThrottle)),
  );
  const passwordPolicy = new PasswordPolicy(config.passwordMinScore);
  const clock = options.clock ?? systemClock;
  const metrics = config.metricsEnabled ? createMetrics(() => sessions.countActive()) : undefined;
  const transport = createMailTransport(config.mail);
  let sender: MailSender | undefined;
  const mail = new AccountMail({
    em: orm.em,
    passwords,
    passwordPolicy,
    sessions,
    settings: config.mail,
    clock,
    throttle: createMailThrottle(config.mail.addressMaxPerHour, redis && config.redis ? { client: redis, keyPrefix: config.redis.keyPrefix } : undefined),
    wake: transport ? () => sender?.wake() : undefined,
    // MfaService needs AccountMail for its notices, so it comes second; called only once requests arrive.
    secondFactor: (user, proof, client) => mfa.proveForReset(user, proof, client),
  });
  if (transport) {
    sender = new MailSender({
      orm,
      transport,
      settings: config.mail,
      clock,
      logger,
      metrics,
      takeResetRequest: (em, row) => mail.takeResetRequest(em, row),
    });
  }
  const mfa: MfaService = new MfaService({
    em: orm.em,
    passwords,
    sessions,
    loginThrottle,
    totp: new Totp(clock),
    box: config.mfa.encryptionKey ? new SecretBox(config.mfa.encryptionKey) : undefined,
    settings: config.mfa,
    clock,
    mail,
  });
  const users = new UsersService({ em: orm.em, passwords, passwordPolicy, sessions, loginThrottle, mail, mfa, requireVerifiedEmail: config.requireVerifiedEmail });
  const admin = new AdminService({ em: orm.em, sessions, passwords, passwordPolicy, loginThrottle, mail });

  const tokenResponses = new TokenResponses({
    allowedOrigins: config.corsOrigins,
    secure: config.refreshCookieSecure,
    maxAgeSeconds: config.sessions.idleTtlSeconds,
  });
  const handlers: OperationHandlers = {
    ...usersHandlers(users, tokenResponses),
    ...accountMailHandlers(mail, tokenResponses),
    ...sessionsHandlers(sessions, tokenResponses),
    ...mfaHandlers(mfa, tokenResponses),
    ...adminHandlers(admin),
    ...healthHandlers(new Readiness({ orm, redis })),
    ...keysHandlers(config.jwt),
    ...metricsHandlers(metrics),
  };
  const router = createRouter(spec.document, handlers);
  const docs = docsRoutes(spec);

  // X-Forwarded-For is believed only when TRUST_PROXY says proxies add it;
  // maxIpsCount takes the address the nearest trusted proxy saw, not the
  // left-most entry a client can write itself.
  const app = new Koa<AppState>({ proxy: config.trustProxyHops > 0, maxIpsCount: config.trustProxyHops });
  app.silent = true;
  app.on('error', (error: unknown, ctx?: { state?: AppState }) =>
    logger.error({ err: error, requestId: ctx?.state?.requestId }, 'unhandled error'),
  );
  app.use(noSniff());
  app.use(requestId());
  app.use(clientAddress(logger));
  app.use(observeRequests(logger, metrics));
  // Before the error handler, so refusals carry CORS headers too and a browser app can read their problem.
  app.use(cors(config.corsOrigins));
  app.use(errorHandler());
  app.use(docs.routes());
  app.use(accountPageRoutes().routes());
  app.use(requestContext());
  app.use(
    openapiValidator({
      apiSpec: spec.document,
      specChecked: spec.checked,
      validateResponses: config.validateResponses,
      securityHandlers: {
        OAuth2PasswordBearer: authenticateBearer(accessTokens, sessions, config.mfa.requireForAdmins ? (userId) => mfa.hasConfirmedFactor(userId) : undefined),
      },
      parseBody: bodyParser({
        enableTypes: ['json', 'form'],
        jsonLimit: String(config.bodyLimitBytes),
        formLimit: String(config.bodyLimitBytes),
        // Any JSON value parses: `null`, `1` or `"x"` are well-formed, and the validator says what is wrong
        // with them (422 at /body) instead of the parser calling them malformed.
        strict: false,
      }),
    }),
  );
  app.use(router.routes());

  return { app, orm, redis, logger, sessionLookup, sender };
}

/** In-flight requests get this long to finish after SIGTERM. */
const SHUTDOWN_DEADLINE_MS = 10_000;

export async function startApp(config: Config, options: AppOptions = {}): Promise<RunningApp> {
  const { app, orm, redis, logger, sessionLookup, sender } = await createApp(config, options);
  const server: Server = app.listen(config.port, config.host);
  // Longer than a proxy's or client's idle keep-alive (nginx 60 s), so the
  // server never closes a connection that the other side is about to reuse
  // (the client would see ECONNRESET).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const release = async () => {
    // Before the database closes: a send under way finishes and records its outcome.
    await sender?.stop();
    await sessionLookup.close();
    await orm.close(true);
    if (redis) await closeRedis(redis);
  };
  try {
    await once(server, 'listening');
  } catch (error) {
    await release();
    throw listenProblem(error, config.host, config.port) ?? error;
  }
  sender?.start();
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      // close() stops accepting and resolves once every connection is gone.
      // A keep-alive connection whose request is still running becomes idle
      // only after answering, so idle ones are closed as they appear rather
      // than waiting out the keep-alive timeout; a client that never lets go
      // is cut off at the deadline.
      const closed = new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
      server.closeIdleConnections();
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      const deadline = setTimeout(() => server.closeAllConnections(), SHUTDOWN_DEADLINE_MS);
      try {
        await closed;
      } finally {
        clearInterval(sweep);
        clearTimeout(deadline);
      }
      await release();
      logger.flush();
    })());

  return { app, orm, redis, logger, url: `http://${host}:${port}`, stop };
}
