import { existsSync } from 'node:fs';
import { Agent, request, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listOperations, loadApiSpec } from '../server/api-spec.js';
import { createRouter } from '../server/http/router.js';
import type { OperationHandlers } from '../server/http/state.js';
import { CHILD_TEST_TIMEOUT_MS, cleanUpChildren, makeTempDir, startChildServer, type ChildServer } from './helpers/child-server.js';
import { GOOD_PASSWORD, onPostgres, testEnv, uniqueEmail } from './helpers/server.js';

afterAll(cleanUpChildren);

const AS_NPM_START = 'node dist/server/main.js, as npm start runs it (sqlite project only: the child runs on its own SQLite file)';

describe.skipIf(onPostgres)(AS_NPM_START, { timeout: CHILD_TEST_TIMEOUT_MS }, () => {
  it('starts in an empty directory without .env, applies the migrations and answers /healthz', async () => {
    const cwd = makeTempDir('startup');
    const env = testEnv(cwd);
    delete env.DATABASE_URL; // the default, sqlite:///./app.db, in the working directory
    const child = await startChildServer({ cwd, env });

    expect(child.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const migrated = child.logs().find((line) => line.msg === 'applied migrations');
    expect(migrated?.migrations).toEqual(expect.arrayContaining([expect.stringMatching(/create_users/)]));
    expect(existsSync(join(cwd, 'app.db'))).toBe(true);

    const health = await fetch(`${child.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    // the migrated schema serves a real registration
    const registered = await fetch(`${child.url}/api/v1/users/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: uniqueEmail('startup'), password: GOOD_PASSWORD }),
    });
    expect(registered.status).toBe(201);

    child.kill('SIGTERM');
    expect(await child.exited).toEqual({ code: 0, signal: null });
  });

  it('on SIGTERM finishes an in-flight slow registration (201), then exits 0', async () => {
    const child = await startSlowServer();
    const answered = await registerDuringShutdown(child, false);
    expect(answered.status, answered.body).toBe(201);
    expect(JSON.parse(answered.body)).toMatchObject({ role: 'member' });
    expect(await child.exited).toEqual({ code: 0, signal: null });
    // and it stopped accepting new connections
    await expect(fetch(`${child.url}/healthz`)).rejects.toThrow();
  });

  it('on SIGTERM exits promptly after the in-flight request even when its client keeps the connection alive', async () => {
    const child = await startSlowServer();
    // The client keeps its connection open after the answer, as browsers and proxies do.
    const agent = new Agent({ keepAlive: true });
    const answered = await registerDuringShutdown(child, agent);
    expect(answered.status, answered.body).toBe(201);
    const exit = await child.exited;
    const lingered = Date.now() - answered.at;
    agent.destroy();
    expect(exit).toEqual({ code: 0, signal: null });
    // Not after the 5 s keep-alive timeout: orchestrators SIGKILL after a grace period, and a client that keeps
    // sending on its open connection must not be able to hold the process up.
    expect(lingered, `exited ${lingered} ms after answering`).toBeLessThan(2_000);
  });
});

/** Cost 12: hashing takes a few hundred milliseconds, so a registration is still running when the signal lands. */
async function startSlowServer(): Promise<ChildServer> {
  const cwd = makeTempDir('sigterm');
  return startChildServer({ cwd, env: testEnv(cwd, { BCRYPT_ROUNDS: '12' }) });
}

/**
 * Sends a registration and SIGTERMs the server while it is in flight. `Expect: 100-continue` makes the server
 * confirm it has parsed the request before the body goes out, so the signal provably lands during the
 * request, not before the server accepted it. `agent: false` sends `Connection: close`; a keep-alive Agent
 * keeps the connection open after the answer.
 */
function registerDuringShutdown(child: ChildServer, agent: Agent | false): Promise<{ status: number; body: string; at: number }> {
  const body = JSON.stringify({ email: uniqueEmail('sigterm'), password: GOOD_PASSWORD });
  const { port, hostname } = new URL(child.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: hostname,
        port,
        method: 'POST',
        path: '/api/v1/users/register',
        agent,
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(body),
          Expect: '100-continue',
          Connection: agent === false ? 'close' : 'keep-alive',
        },
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() }));
      },
    );
    req.on('error', reject);
    req.on('continue', () => {
      child.kill('SIGTERM');
      // give the signal handler a moment to close the listener, then send the body
      setTimeout(() => req.end(body), 100);
    });
    req.flushHeaders();
  });
}

describe('createRouter', () => {
  const { document } = loadApiSpec();
  const operationIds = listOperations(document).map((operation) => operation.operationId);
  // Any operation's handler: its input is never read, so it fits every operation's signature.
  type AnyHandler = (input: never, ctx: never) => unknown;
  const handler: AnyHandler = () => ({ status: 204 });

  /** One handler per operation of the real spec, checked at run time rather than asserted by a cast. */
  function completeHandlers(): OperationHandlers {
    const handlers: Record<string, AnyHandler> = Object.fromEntries(operationIds.map((id) => [id, handler]));
    if (!isOperationHandlers(handlers)) throw new Error('the spec lists no operations');
    return handlers;
  }

  function isOperationHandlers(value: Record<string, AnyHandler>): value is OperationHandlers {
    return operationIds.length > 0 && operationIds.every((id) => typeof value[id] === 'function');
  }

  it('binds every operation when each has a handler', () => {
    const router = createRouter(document, completeHandlers());
    expect(router.stack.map((layer) => layer.name).sort()).toEqual([...operationIds].sort());
  });

  it('refuses to start when an operation has no handler', () => {
    const handlers = completeHandlers();
    Reflect.deleteProperty(handlers, 'checkLiveness');
    expect(() => createRouter(document, handlers)).toThrow(/operations without a handler: checkLiveness\b/);
  });

  it('refuses to start when a handler has no operation', () => {
    const handlers = { ...completeHandlers(), dropAllTables: handler };
    expect(() => createRouter(document, handlers)).toThrow(/handlers without an operation: dropAllTables\b/);
  });

  it('names both kinds of mismatch at once', () => {
    const handlers = { ...completeHandlers(), registerUsers: handler };
    Reflect.deleteProperty(handlers, 'registerUser');
    expect(() => createRouter(document, handlers)).toThrow(/without a handler: registerUser\b.*without an operation: registerUsers\b/);
  });
});
