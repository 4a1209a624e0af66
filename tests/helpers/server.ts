import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import createClient from 'openapi-fetch';
import type { components, paths } from '../../generated/openapi.js';
import { startApp, type AppOptions, type RunningApp } from '../../server/app.js';
import { loadConfig, type Config } from '../../server/config.js';
import { createLogger } from '../../server/logger.js';
import { createRedisNamespace, createTestDatabase, TEST_BACKEND, type TestBackend } from './postgres.js';

export { TEST_BACKEND, type TestBackend };
/**
 * True in the `postgres` vitest project. Tests of SQLite specifics (the file
 * at `dbPath`, epoch-ms columns) skip with it and say why in their name, e.g.
 * `it.skipIf(onPostgres)('… (SQLite only: reads the database file)', …)`.
 */
export const onPostgres = TEST_BACKEND === 'postgres';

/** Long enough for production rules; used only by tests, which also sign attack tokens with it. */
export const TEST_JWT_SECRET = 'test-secret-0123456789abcdef0123456789abcdef';
/** 32 bytes, base64: what production needs in MFA_ENCRYPTION_KEY while MFA_ENABLED=true (the default). */
export const TEST_MFA_KEY = Buffer.alloc(32, 'test-mfa-key').toString('base64');

export interface TestServer {
  url: string;
  client: ReturnType<typeof createClient<paths>>;
  config: Config;
  running: RunningApp;
  /** `sqlite`, or `postgres` (with Redis) in the postgres vitest project. */
  backend: TestBackend;
  /** The server's DATABASE_URL: its own SQLite file, or its own PostgreSQL database. */
  databaseUrl: string;
  /** A scratch folder of the server's own (on SQLite, the database file lives here). */
  dir: string;
  /** The SQLite file. Throws on PostgreSQL: a test that needs the file must skip there (see `onPostgres`). */
  readonly dbPath: string;
  /** Everything the server logged so far, as one string (JSON lines). */
  logs(): string;
  stop(): Promise<void>;
}

/** The environment every test server starts from: a real SQLite file of its own, port 0. */
export function testEnv(dir: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: `sqlite:///${join(dir, 'app.db')}`,
    JWT_SECRET: TEST_JWT_SECRET,
    // bcrypt's cost is not what these tests examine; 4 keeps them quick.
    BCRYPT_ROUNDS: '4',
    // Test files register many accounts from 127.0.0.1; the registration throttle has its own test.
    REGISTER_IP_LIMIT: '1000000',
    VALIDATE_RESPONSES: 'true',
    LOG_LEVEL: 'info',
    // Without SMTP_URL, mail is written here as .eml files (tests that read mail start an SMTP server: helpers/smtp.ts).
    MAIL_DIR: join(dir, 'mail'),
    ...overrides,
  };
}

/**
 * Starts the real server, in this process, on port 0 with a fresh database:
 * a SQLite file, or in the postgres project a PostgreSQL database of its own
 * plus its own Redis key prefix (dropped and deleted by `stop()`).
 * Nothing is mocked: requests go over HTTP through the typed client.
 */
export async function startTestServer(overrides: Record<string, string> = {}, options: Pick<AppOptions, 'clock'> = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'authapi-test-'));
  const database = onPostgres ? await createTestDatabase() : undefined;
  const redis = onPostgres ? createRedisNamespace() : undefined;
  const cleanUp = async () => {
    await Promise.all([database?.drop(), redis?.clear()]);
    rmSync(dir, { recursive: true, force: true });
  };
  const env = testEnv(dir, {
    ...(database && redis ? { DATABASE_URL: database.url, REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.keyPrefix } : {}),
    ...overrides,
  });
  const { config } = loadConfig(env);
  const sink = new PassThrough();
  const chunks: string[] = [];
  sink.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  const logger = createLogger(config.logLevel, sink);
  let running: RunningApp;
  try {
    running = await startApp(config, { logger, ...options });
  } catch (error) {
    await cleanUp();
    throw error;
  }
  return {
    url: running.url,
    client: createClient<paths>({ baseUrl: running.url }),
    config,
    running,
    backend: TEST_BACKEND,
    databaseUrl: env.DATABASE_URL ?? '',
    dir,
    get dbPath() {
      if (config.database.kind !== 'sqlite') throw new Error('this test server runs on PostgreSQL: skip SQLite-file tests with `onPostgres`');
      return config.database.path;
    },
    logs: () => chunks.join(''),
    async stop() {
      await running.stop();
      await cleanUp();
    },
  };
}

let counter = 0;
/** An address no other test uses, so tests never depend on each other's rows. */
export function uniqueEmail(label = 'user'): string {
  counter += 1;
  return `${label}-${process.pid}-${Date.now().toString(36)}-${counter}@example.com`;
}

export const GOOD_PASSWORD = 'correct horse battery staple';

export interface AccountOptions {
  /** Default: a unique email with this label (`uniqueEmail(label)`). */
  email?: string;
  label?: string;
  password?: string;
  fullName?: string | null;
}

/** Registers a fresh account through the API (not logged in); fails the test if the server refuses. */
export async function registerAccount(server: Pick<TestServer, 'client'>, options: AccountOptions = {}) {
  const email = options.email ?? uniqueEmail(options.label);
  const password = options.password ?? GOOD_PASSWORD;
  const registered = await server.client.POST('/api/v1/users/register', {
    body: { email, password, full_name: options.fullName ?? null },
  });
  if (!registered.data) throw new Error(`could not register ${email}: ${registered.response.status}`);
  return { email, password, id: registered.data.id, user: registered.data };
}

/** Registers a fresh account through the API and logs it in; returns real credentials. */
export async function registerAndLogin(server: TestServer, options: AccountOptions = {}) {
  const { email, password, user } = await registerAccount(server, options);
  const login = await server.client.POST('/api/v1/users/login', { body: { email, password } });
  if (!login.data) throw new Error(`login failed: ${login.response.status}`);
  return { email, password, user, token: login.data.access_token, tokens: asTokenPair(login.data) };
}

type TokenResponse = components['schemas']['TokenResponse'];
/** A pair as JSON clients get it: the refresh token in the body (only cookie mode leaves it out). */
export type TokenPair = TokenResponse & { refresh_token: string };

/** The pair with its refresh token, or a failed test when the body lacks one. */
export function asTokenPair(tokens: TokenResponse): TokenPair {
  const { refresh_token } = tokens;
  if (refresh_token === undefined) throw new Error('the token response has no refresh_token in its body');
  return { ...tokens, refresh_token };
}

export function bearer(token: string): { Authorization: string } {
  return { Authorization: `Bearer ${token}` };
}
