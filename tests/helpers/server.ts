import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import createClient from 'openapi-fetch';
import type { paths } from '../../generated/openapi.js';
import { startApp, type RunningApp } from '../../server/app.js';
import { loadConfig, type Config } from '../../server/config.js';
import { createLogger } from '../../server/logger.js';

/** Long enough for production rules; used only by tests, which also sign attack tokens with it. */
export const TEST_JWT_SECRET = 'test-secret-0123456789abcdef0123456789abcdef';

export interface TestServer {
  url: string;
  client: ReturnType<typeof createClient<paths>>;
  config: Config;
  running: RunningApp;
  dbPath: string;
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
    VALIDATE_RESPONSES: 'true',
    LOG_LEVEL: 'info',
    ...overrides,
  };
}

/**
 * Starts the real server, in this process, on port 0 with a fresh SQLite file.
 * Nothing is mocked: requests go over HTTP through the typed client.
 */
export async function startTestServer(overrides: Record<string, string> = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'authapi-test-'));
  const { config } = loadConfig(testEnv(dir, overrides));
  const sink = new PassThrough();
  const chunks: string[] = [];
  sink.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  const logger = createLogger(config.logLevel, sink);
  const running = await startApp(config, { logger });
  return {
    url: running.url,
    client: createClient<paths>({ baseUrl: running.url }),
    config,
    running,
    dbPath: join(dir, 'app.db'),
    logs: () => chunks.join(''),
    async stop() {
      await running.stop();
      rmSync(dir, { recursive: true, force: true });
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

/** Registers a fresh account through the API and logs it in; returns real credentials. */
export async function registerAndLogin(server: TestServer, options: { email?: string; password?: string; fullName?: string } = {}) {
  const email = options.email ?? uniqueEmail();
  const password = options.password ?? GOOD_PASSWORD;
  const registered = await server.client.POST('/api/v1/users/register', {
    body: { email, password, full_name: options.fullName ?? null },
  });
  if (!registered.data) throw new Error(`register failed: ${registered.response.status}`);
  const login = await server.client.POST('/api/v1/users/login', { body: { email, password } });
  if (!login.data) throw new Error(`login failed: ${login.response.status}`);
  return { email, password, user: registered.data, token: login.data.access_token, tokens: login.data };
}

export function bearer(token: string): { Authorization: string } {
  return { Authorization: `Bearer ${token}` };
}
