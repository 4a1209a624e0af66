import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, postJson, send } from './helpers/http.js';
import { startOwnRedis, type OwnRedis } from './helpers/redis-server.js';
import { bearer, GOOD_PASSWORD, registerAndLogin, startTestServer, uniqueEmail, type TestServer } from './helpers/server.js';

const LOGIN = '/api/v1/users/login';

/**
 * Redis holds the login-throttle counters when REDIS_URL is set. Without it
 * the server cannot count failed logins, so it refuses logins (503) rather
 * than let password guesses through uncounted, says so on /readyz, and comes
 * back by itself when Redis does. The test runs a redis-server of its own, so
 * it can stop it without touching the shared one.
 */
describe.skipIf(!process.env.TEST_REDIS_URL)('when Redis goes down (set TEST_REDIS_URL to run)', () => {
  let redis: OwnRedis;
  let server: TestServer;
  beforeAll(async () => {
    redis = await startOwnRedis();
    server = await startTestServer({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'redis-down-test:' });
  });
  afterAll(async () => {
    await server?.stop();
    await redis?.stop();
  });

  it('logins work and /readyz is ready while Redis is up', async () => {
    const { email } = await registerAndLogin(server);
    expect((await postJson(server.url, LOGIN, { email, password: GOOD_PASSWORD })).status).toBe(200);
    const ready = await send(server.url, '/readyz');
    expect(ready.status, ready.text).toBe(200);
    expect(ready.body).toMatchObject({ checks: { redis: 'ok' } });
  });

  it('with Redis down, login answers 503 throttle_unavailable at once, /readyz fails on redis, and the rest keeps working', async () => {
    const account = await registerAndLogin(server);
    await redis.stop();

    const started = Date.now();
    for (const password of [GOOD_PASSWORD, 'a wrong password']) {
      const response = await postJson(server.url, LOGIN, { email: account.email, password });
      expectProblem(response, 503, 'throttle_unavailable');
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(response.body).not.toHaveProperty('access_token');
    }
    // Fails fast rather than waiting on a reconnect.
    expect(Date.now() - started).toBeLessThan(5_000);

    const ready = await send(server.url, '/readyz');
    expectProblem(ready, 503, 'not_ready');
    expect(ready.body).toMatchObject({ checks: { database: 'ok', redis: 'unavailable', migrations: 'ok' } });
    expect((await send(server.url, '/healthz')).status).toBe(200);

    // Tokens already issued keep working; registering is counted per address, so it waits for Redis like login.
    expect((await server.client.GET('/api/v1/users/me', { headers: bearer(account.token) })).response.status).toBe(200);
    const registered = await server.client.POST('/api/v1/users/register', { body: { email: uniqueEmail(), password: GOOD_PASSWORD } });
    expect(registered.response.status).toBe(503);
    expect(registered.error?.code).toBe('throttle_unavailable');
  });

  it('recovers by itself once Redis is back: logins work and /readyz is ready again', async () => {
    await redis.start();
    const email = uniqueEmail();
    const registered = await waitFor(async () => (await server.client.POST('/api/v1/users/register', { body: { email, password: GOOD_PASSWORD } })).response.status, 201);
    expect(registered).toBe(201);
    const status = await waitFor(async () => (await postJson(server.url, LOGIN, { email, password: GOOD_PASSWORD })).status, 200);
    expect(status).toBe(200);
    expect((await send(server.url, '/readyz')).status).toBe(200);
  });
});

/** Polls until `probe` gives `expected` (ioredis reconnects within about a second), or 10 s pass. */
async function waitFor<T>(probe: () => Promise<T>, expected: T): Promise<T> {
  const deadline = Date.now() + 10_000;
  let last = await probe();
  while (last !== expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    last = await probe();
  }
  return last;
}
