import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login } from './helpers/auth-flows.js';
import { selectRows } from './helpers/db.js';
import { registerAndLogin, startTestServer, uniqueEmail, type TestServer } from './helpers/server.js';

const WRONG = 'definitely not the password';

/** `count` failed logins for one email, one after another (as an attacker's script would). */
async function fail(server: TestServer, email: string, count: number, headers: Record<string, string> = {}): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    const { response } = await login(server, email, WRONG, headers);
    expect(response.status, `failure ${i + 1} for ${email}`).toBe(401);
  }
}

/** The answer must say "wait", in whole seconds, and be a problem document. */
function expectThrottled(result: { response: Response; error?: { code: string; status: number } }, maxSeconds: number): number {
  expect(result.response.status).toBe(429);
  expect(result.response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(result.error?.code).toBe('too_many_login_failures');
  expect(result.error?.status).toBe(429);
  const retryAfter = result.response.headers.get('retry-after') ?? '';
  expect(retryAfter).toMatch(/^\d+$/);
  const seconds = Number(retryAfter);
  expect(seconds).toBeGreaterThanOrEqual(1);
  expect(seconds).toBeLessThanOrEqual(maxSeconds);
  return seconds;
}

const ACCOUNT_WINDOW = 60;

describe('per-account limit, window end', () => {
  // The one real wait in this file. The counters are rate-limiter-flexible's, whose stores read real time only
  // (RateLimiterMemory: Date.now() and timers; RateLimiterRedis: key expiry in Redis) and take no clock, so the
  // server's injectable clock cannot end a window. Hence the shortest window there is (1 s) and a single failure:
  // the throttled answer comes one request after it, well inside the window on a slow machine.
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ LOGIN_ACCOUNT_MAX_FAILURES: '1', LOGIN_ACCOUNT_WINDOW_SECONDS: '1', LOGIN_IP_MAX_FAILURES: '10000' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('after the allowed failures even the right password gets 429 with Retry-After, until the window ends', async () => {
    const { email, password } = await registerAndLogin(server);
    await fail(server, email, 1);
    const seconds = expectThrottled(await login(server, email, password), 1);

    await new Promise((resolve) => setTimeout(resolve, seconds * 1000 + 150));
    const after = await login(server, email, password);
    expect(after.response.status).toBe(200);
  });
});

describe('per-account limit', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ LOGIN_ACCOUNT_MAX_FAILURES: '3', LOGIN_ACCOUNT_WINDOW_SECONDS: String(ACCOUNT_WINDOW), LOGIN_IP_MAX_FAILURES: '10000' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('after N failures both a wrong and the right password get 429 with Retry-After', async () => {
    const { email, password } = await registerAndLogin(server);
    await fail(server, email, 3);
    expectThrottled(await login(server, email, WRONG), ACCOUNT_WINDOW);
    expectThrottled(await login(server, email, password), ACCOUNT_WINDOW);
  });

  it('one locked account never blocks another account from the same address', async () => {
    const locked = await registerAndLogin(server);
    const other = await registerAndLogin(server);
    await fail(server, locked.email, 3);
    expectThrottled(await login(server, locked.email, locked.password), ACCOUNT_WINDOW);
    expect((await login(server, other.email, other.password)).response.status).toBe(200);
    // Its own failures are still counted from zero.
    expect((await login(server, other.email, WRONG)).response.status).toBe(401);
  });

  it('an unknown email is locked the same way, so 429 does not reveal which emails exist', async () => {
    const nobody = uniqueEmail('nobody');
    await fail(server, nobody, 3);
    expectThrottled(await login(server, nobody, WRONG), ACCOUNT_WINDOW);
  });

  it('the lock keys on the normalised email: another spelling does not get around it', async () => {
    const { email, password } = await registerAndLogin(server);
    await fail(server, email, 3);
    expectThrottled(await login(server, email.toUpperCase(), password), ACCOUNT_WINDOW);
  });
});

describe('per-address limit', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ LOGIN_IP_MAX_FAILURES: '4', LOGIN_IP_WINDOW_SECONDS: '60', LOGIN_ACCOUNT_MAX_FAILURES: '100' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('failures spread over many accounts lock the address, and X-Forwarded-For does not escape it without TRUST_PROXY', async () => {
    const fresh = await registerAndLogin(server);
    for (let i = 0; i < 4; i += 1) {
      // A different account and a different claimed address each time.
      await fail(server, uniqueEmail('spray'), 1, { 'X-Forwarded-For': `203.0.113.${i + 1}` });
    }
    expectThrottled(await login(server, fresh.email, fresh.password), 60);
    expectThrottled(await login(server, fresh.email, fresh.password, { 'X-Forwarded-For': '198.51.100.7' }), 60);
  });
});

describe('per-address limit behind a trusted proxy (TRUST_PROXY=1)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ TRUST_PROXY: '1', LOGIN_IP_MAX_FAILURES: '3', LOGIN_IP_WINDOW_SECONDS: '60', LOGIN_ACCOUNT_MAX_FAILURES: '100' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('counts each forwarded client address separately, by the entry the proxy added', async () => {
    const victim = await registerAndLogin(server);
    for (let i = 0; i < 3; i += 1) {
      // The client wrote a different left-most entry each time; the proxy appended the real address.
      await fail(server, uniqueEmail('spray'), 1, { 'X-Forwarded-For': `192.0.2.${i + 1}, 10.0.0.1` });
    }
    expectThrottled(await login(server, victim.email, victim.password, { 'X-Forwarded-For': '10.0.0.1' }), 60);
    expect((await login(server, victim.email, victim.password, { 'X-Forwarded-For': '10.0.0.2' })).response.status).toBe(200);
  });
});

describe('passwords that confirm a change count as login failures', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ LOGIN_ACCOUNT_MAX_FAILURES: '3', LOGIN_ACCOUNT_WINDOW_SECONDS: '60', LOGIN_IP_MAX_FAILURES: '10000' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  function changePassword(token: string, currentPassword: string) {
    return server.client.POST('/api/v1/users/me/password', {
      headers: { Authorization: `Bearer ${token}` },
      body: { current_password: currentPassword, new_password: 'a different, quite long passphrase 42' },
    });
  }
  function deleteAccount(token: string, password: string) {
    return server.client.DELETE('/api/v1/users/me', { headers: { Authorization: `Bearer ${token}` }, body: { password } });
  }

  it('a stolen access token cannot guess the password without limit: wrong current_password reaches 429 with Retry-After', async () => {
    const { email, password, token } = await registerAndLogin(server);
    for (let i = 0; i < 3; i += 1) {
      const { response, error } = await changePassword(token, WRONG);
      expect(response.status, `guess ${i + 1}`).toBe(403);
      expect(error?.code).toBe('wrong_password');
    }
    // Even the right password is refused now, and login is locked by the same counter.
    expectThrottled(await changePassword(token, password), 60);
    expectThrottled(await login(server, email, password), 60);
  });

  it('wrong passwords on DELETE /users/me count too, together with failed logins', async () => {
    const { email, password, token } = await registerAndLogin(server);
    await fail(server, email, 1);
    expect((await deleteAccount(token, WRONG)).response.status).toBe(403);
    expect((await deleteAccount(token, WRONG)).response.status).toBe(403);
    expectThrottled(await deleteAccount(token, password), 60);
    // Nothing was deleted.
    expect((await server.client.GET('/api/v1/users/me', { headers: { Authorization: `Bearer ${token}` } })).response.status).toBe(200);
  });

  it('a throttled confirmation is in the audit log under the account', async () => {
    const { user, token } = await registerAndLogin(server);
    for (let i = 0; i < 3; i += 1) await deleteAccount(token, WRONG);
    expectThrottled(await deleteAccount(token, WRONG), 60);
    const rows = await selectRows(server, 'select user_id from audit_events where event = ?', ['login_throttled']);
    expect(rows.map((row) => Number(row.user_id))).toContain(user.id);
  });
});

describe('passwords that confirm a change count per address too', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ LOGIN_IP_MAX_FAILURES: '3', LOGIN_IP_WINDOW_SECONDS: '60', LOGIN_ACCOUNT_MAX_FAILURES: '100' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('wrong confirmations spread over several accounts lock the address for logins', async () => {
    const victim = await registerAndLogin(server);
    for (let i = 0; i < 3; i += 1) {
      const { token } = await registerAndLogin(server);
      const { response } = await server.client.DELETE('/api/v1/users/me', { headers: { Authorization: `Bearer ${token}` }, body: { password: WRONG } });
      expect(response.status).toBe(403);
    }
    expectThrottled(await login(server, victim.email, victim.password), 60);
  });
});
