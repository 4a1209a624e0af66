import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import createClient from 'openapi-fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { paths } from '../generated/openapi.js';
import { startApp, type RunningApp } from '../server/app.js';
import { loadConfig } from '../server/config.js';
import { createLogger } from '../server/logger.js';
import { createRedisNamespace, createTestDatabase, type TestDatabase, type TestRedisNamespace } from './helpers/postgres.js';
import { bearer, GOOD_PASSWORD, testEnv, uniqueEmail } from './helpers/server.js';
import { testClock } from './helpers/clock.js';
import { codeAt, startOfTotpStep, TOTP_STEP_MS } from './helpers/totp.js';

/**
 * Two instances on one PostgreSQL database and one Redis prefix, in this process so they share the test's clock:
 * the second step of a login may reach either, and wrong codes on both count together.
 */
describe.skipIf(!process.env.TEST_DATABASE_URL || !process.env.TEST_REDIS_URL)('second factor across two instances (set TEST_DATABASE_URL and TEST_REDIS_URL to run)', () => {
  const clock = testClock({ frozenAt: startOfTotpStep() });
  let database: TestDatabase;
  let redis: TestRedisNamespace;
  let dir: string;
  let instances: RunningApp[] = [];
  let clients: ReturnType<typeof createClient<paths>>[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = createRedisNamespace();
    dir = mkdtempSync(join(tmpdir(), 'mfa-instances-'));
    const { config } = loadConfig(
      testEnv(dir, { DATABASE_URL: database.url, REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.keyPrefix, LOGIN_ACCOUNT_MAX_FAILURES: '4', LOGIN_IP_MAX_FAILURES: '10000', LOG_LEVEL: 'warn' }),
    );
    // One after the other: both would otherwise race to run the migrations (the lock is tested elsewhere).
    for (let i = 0; i < 2; i += 1) instances.push(await startApp(config, { clock, logger: createLogger('warn') }));
    clients = instances.map((one) => createClient<paths>({ baseUrl: one.url }));
  });
  afterAll(async () => {
    await Promise.all(instances.map((one) => one.stop()));
    instances = [];
    await Promise.all([database?.drop(), redis?.clear()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('enrol on one, finish a login on the other; four wrong codes spread over both lock the account on both', async () => {
    const [a, b] = clients;
    if (!a || !b) throw new Error('two instances expected');
    const email = uniqueEmail('mfa-two');
    await a.POST('/api/v1/users/register', { body: { email, password: GOOD_PASSWORD } });
    const login = await a.POST('/api/v1/users/login', { body: { email, password: GOOD_PASSWORD } });
    const token = login.data?.access_token ?? '';
    const enrolled = await a.POST('/api/v1/users/me/mfa/totp', { headers: bearer(token), body: { password: GOOD_PASSWORD } });
    const secret = enrolled.data?.secret ?? '';
    const confirmed = await b.POST('/api/v1/users/me/mfa/totp/confirm', { headers: bearer(token), body: { code: await codeAt(secret, clock) } });
    expect(confirmed.response.status).toBe(200);
    clock.advance(TOTP_STEP_MS);

    const first = await a.POST('/api/v1/users/login', { body: { email, password: GOOD_PASSWORD } });
    const mfaToken = first.error?.mfa_token ?? '';
    const done = await b.POST('/api/v1/users/login/mfa', { body: { mfa_token: mfaToken, code: await codeAt(secret, clock) } });
    expect(done.response.status).toBe(200);
    // Spent on b: refused on a.
    expect((await a.POST('/api/v1/users/login/mfa', { body: { mfa_token: mfaToken, code: await codeAt(secret, clock, 30) } })).error?.code).toBe('invalid_mfa_token');

    clock.advance(TOTP_STEP_MS);
    const again = (await a.POST('/api/v1/users/login', { body: { email, password: GOOD_PASSWORD } })).error?.mfa_token ?? '';
    const right = await codeAt(secret, clock);
    const wrong = right === '000000' ? '111111' : '000000';
    for (const [i, client] of [a, b, a, b].entries()) {
      expect((await client.POST('/api/v1/users/login/mfa', { body: { mfa_token: again, code: wrong } })).error?.code, `attempt ${i + 1}`).toBe('invalid_mfa_code');
    }
    for (const client of [a, b]) {
      const locked = await client.POST('/api/v1/users/login/mfa', { body: { mfa_token: again, code: right } });
      expect(locked.response.status).toBe(429);
      expect(locked.response.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    }
  });
});
