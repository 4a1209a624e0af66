import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login } from './helpers/auth-flows.js';
import { selectRows } from './helpers/db.js';
import { runManage } from './helpers/manage.js';
import { createRedisNamespace, TEST_REDIS_URL, type TestRedisNamespace } from './helpers/postgres.js';
import { registerAndLogin, startTestServer, uniqueEmail, type TestServer } from './helpers/server.js';

const EXIT = { ok: 0, error: 1, usage: 2 } as const;
const WRONG = 'definitely not the password';
const MAX_FAILURES = 3;
const THROTTLE = { LOGIN_ACCOUNT_MAX_FAILURES: String(MAX_FAILURES), LOGIN_ACCOUNT_WINDOW_SECONDS: '3600', LOGIN_IP_MAX_FAILURES: '10000' };

async function lockOut(server: TestServer, email: string): Promise<void> {
  for (let i = 0; i < MAX_FAILURES; i += 1) expect((await login(server, email, WRONG)).response.status).toBe(401);
}

// Each run is a fresh Node process that loads the ORM: about a second of CPU, far more on a busy machine.
describe.skipIf(!TEST_REDIS_URL)('manage unlock, with the counters in Redis (set TEST_REDIS_URL to run)', { timeout: 90_000 }, () => {
  let redis: TestRedisNamespace;
  let server: TestServer;
  let redisEnv: Record<string, string>;
  beforeAll(async () => {
    redis = createRedisNamespace();
    redisEnv = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.keyPrefix, ...THROTTLE };
    server = await startTestServer(redisEnv);
  });
  afterAll(async () => {
    await server?.stop();
    await redis?.clear();
  });

  it('lifts the running server\'s lock-out of an account (any spelling of its email); audited as the operator command', async () => {
    const target = await registerAndLogin(server);
    await lockOut(server, target.email);
    expect((await login(server, target.email, target.password)).response.status).toBe(429);

    const result = await runManage(server, ['unlock', target.email.toUpperCase()], redisEnv);
    expect(result, result.stderr).toEqual({ code: EXIT.ok, stdout: `${target.email} is unlocked: its failed logins are cleared.\n`, stderr: '' });
    expect((await login(server, target.email, target.password)).response.status).toBe(200);
    const rows = await selectRows(server, "select actor_id, user_agent from audit_events where user_id = ? and event = 'user_unlocked'", [target.user.id]);
    expect(rows).toEqual([{ actor_id: null, user_agent: 'npm run manage' }]);
  });

  it('an unknown email exits 1 naming it; a missing or extra argument exits 2 with the usage line', async () => {
    const email = uniqueEmail('nobody');
    const unknown = await runManage(server, ['unlock', email], redisEnv);
    expect(unknown.code).toBe(EXIT.error);
    expect(unknown.stderr).toBe(`No account has the email ${email}.\n`);
    for (const args of [['unlock'], ['unlock', email, 'extra']]) {
      const result = await runManage(server, args, redisEnv);
      expect(result, JSON.stringify(args)).toEqual({ code: EXIT.usage, stdout: '', stderr: 'usage: npm run --silent manage -- unlock <email>\n' });
    }
  });
});

describe('manage unlock without REDIS_URL', { timeout: 90_000 }, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(THROTTLE);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('exits 1 saying the counters are in the server\'s memory and pointing to the admin API; the lock stays', async () => {
    const target = await registerAndLogin(server);
    await lockOut(server, target.email);
    // No REDIS_URL on purpose, whatever the project: the command must not pretend.
    const result = await runManage(server, ['unlock', target.email]);
    expect(result.code).toBe(EXIT.error);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/No REDIS_URL/);
    expect(result.stderr).toContain('authcli admin users unlock <id>');
    expect((await login(server, target.email, target.password)).response.status).toBe(429);
  });
});
