import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payloadOf } from './helpers/tokens.js';
import { selectRows, runSql } from './helpers/db.js';
import { runManage } from './helpers/manage.js';
import { passwordStep, registerWithSecondFactor } from './helpers/mfa-flows.js';
import { bearer, registerAndLogin, startTestServer, type TestServer } from './helpers/server.js';
import { testClock } from './helpers/clock.js';
import { codeAt, startOfTotpStep, TOTP_STEP_MS } from './helpers/totp.js';

// Authenticator apps (TOTP) and recovery codes over HTTP, with real codes computed from the secret the server
// returned, on a server clock the tests move (server/clock.ts) instead of waiting for a step to pass.
const clock = testClock({ frozenAt: startOfTotpStep() });
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ LOGIN_IP_MAX_FAILURES: '10000', MFA_ISSUER: 'Example Auth' }, { clock });
});
afterAll(() => server?.stop());

describe('enrolment', () => {
  it('answers a 160-bit secret, its otpauth URI and an SVG QR code; the factor stays pending until confirmed', async () => {
    const { token, password, email } = await registerAndLogin(server);
    const enrolled = await server.client.POST('/api/v1/users/me/mfa/totp', { headers: bearer(token), body: { password } });
    expect(enrolled.response.status).toBe(201);
    expect(enrolled.response.headers.get('cache-control')).toBe('no-store');
    const { secret, otpauth_uri, qr_svg } = enrolled.data ?? { secret: '', otpauth_uri: '', qr_svg: '' };
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(otpauth_uri);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(uri.searchParams.get('issuer')).toBe('Example Auth');
    expect(decodeURIComponent(uri.pathname)).toContain(email);
    expect(qr_svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);

    const status = await server.client.GET('/api/v1/users/me/mfa', { headers: bearer(token) });
    expect(status.data).toEqual({ totp: 'pending', recovery_codes_remaining: 0 });
    // Pending: the password alone still logs in.
    const login = await server.client.POST('/api/v1/users/login', { body: { email, password } });
    expect(login.response.status).toBe(200);
  });

  it('refuses the wrong password, a wrong code, and a second enrolment once confirmed', async () => {
    const { token, password } = await registerAndLogin(server);
    const wrong = await server.client.POST('/api/v1/users/me/mfa/totp', { headers: bearer(token), body: { password: 'not the password at all' } });
    expect(wrong.error?.code).toBe('wrong_password');
    const enrolled = await server.client.POST('/api/v1/users/me/mfa/totp', { headers: bearer(token), body: { password } });
    const secret = enrolled.data?.secret ?? '';
    const right = await codeAt(secret, clock);
    const bad = right === '000000' ? '111111' : '000000';
    const refused = await server.client.POST('/api/v1/users/me/mfa/totp/confirm', { headers: bearer(token), body: { code: bad } });
    expect(refused.response.status).toBe(403);
    expect(refused.error?.code).toBe('invalid_mfa_code');
    const confirmed = await server.client.POST('/api/v1/users/me/mfa/totp/confirm', { headers: bearer(token), body: { code: right } });
    expect(confirmed.response.status).toBe(200);
    expect(confirmed.data?.recovery_codes).toHaveLength(10);
    expect(new Set(confirmed.data?.recovery_codes).size).toBe(10);
    const again = await server.client.POST('/api/v1/users/me/mfa/totp', { headers: bearer(token), body: { password } });
    expect(again.response.status).toBe(409);
    expect(again.error?.code).toBe('mfa_already_enabled');
  });

  it('confirming ends the account\'s other sessions, keeps this one, and is audited', async () => {
    const { token, password, email, user } = await registerAndLogin(server);
    const other = await server.client.POST('/api/v1/users/login', { body: { email, password } });
    const otherToken = other.data?.access_token ?? '';
    const enrolled = await server.client.POST('/api/v1/users/me/mfa/totp', { headers: bearer(token), body: { password } });
    await server.client.POST('/api/v1/users/me/mfa/totp/confirm', { headers: bearer(token), body: { code: await codeAt(enrolled.data?.secret ?? '', clock) } });
    clock.advance(TOTP_STEP_MS);
    expect((await server.client.GET('/api/v1/users/me', { headers: bearer(otherToken) })).response.status).toBe(401);
    expect((await server.client.GET('/api/v1/users/me', { headers: bearer(token) })).response.status).toBe(200);
    const events = await selectRows(server, 'select event from audit_events where user_id = ? order by id', [user.id]);
    expect(events.map((row) => row.event)).toEqual(expect.arrayContaining(['mfa_enrolment_started', 'mfa_enabled']));
  });

  it('stores the secret encrypted: the row holds no plain or base32 form of it', async () => {
    const { secret, user } = await registerWithSecondFactor(server, clock);
    const rows = await selectRows(server, 'select * from mfa_factors where user_id = ?', [user.id]);
    expect(rows).toHaveLength(1);
    const row = JSON.stringify(rows);
    expect(row).not.toContain(secret);
    expect(row).not.toContain(secret.toLowerCase());
    expect(row).not.toContain(Buffer.from(secret).toString('base64'));
    expect(String(rows[0]?.secret_ciphertext)).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    const codes = JSON.stringify(await selectRows(server, 'select * from mfa_recovery_codes where user_id = ?', [user.id]));
    expect(codes).not.toMatch(/[0-9a-z]{4}-[0-9a-z]{4}/);
  });
});

describe('logging in with a second factor', () => {
  it('a password alone gets 401 mfa_required with an mfa_token and no access token, also through the OAuth2 form', async () => {
    const { email, password } = await registerWithSecondFactor(server, clock);
    const json = await fetch(`${server.url}/api/v1/users/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email, password }) });
    const form = await fetch(`${server.url}/api/v1/users/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: email, password, grant_type: 'password' }),
    });
    for (const response of [json, form]) {
      expect(response.status).toBe(401);
      const text = await response.text();
      expect(text).not.toContain('access_token');
      expect(text).not.toContain('refresh_token');
      const problem: unknown = JSON.parse(text);
      expect(problem).toMatchObject({ code: 'mfa_required', status: 401, mfa_token: expect.stringMatching(/^mfa_/) });
    }
  });

  it('a code finishes the login with amr ["pwd","otp"]; the same code again, and a code from two steps ago, are refused', async () => {
    const { email, password, secret } = await registerWithSecondFactor(server, clock);
    const code = await codeAt(secret, clock);
    const done = await server.client.POST('/api/v1/users/login/mfa', { body: { mfa_token: await passwordStep(server, email, password), code } });
    expect(done.response.status).toBe(200);
    expect(done.response.headers.get('cache-control')).toBe('no-store');
    expect(payloadOf(done.data?.access_token ?? '').amr).toEqual(['pwd', 'otp']);
    const me = await server.client.GET('/api/v1/users/me', { headers: bearer(done.data?.access_token ?? '') });
    expect(me.data?.email).toBe(email);
    // Refreshing keeps the session's amr.
    const refreshed = await server.client.POST('/api/v1/users/refresh', { body: { refresh_token: done.data?.refresh_token ?? '' } });
    expect(payloadOf(refreshed.data?.access_token ?? '').amr).toEqual(['pwd', 'otp']);

    const replay = await server.client.POST('/api/v1/users/login/mfa', { body: { mfa_token: await passwordStep(server, email, password), code } });
    expect(replay.response.status).toBe(401);
    expect(replay.error?.code).toBe('invalid_mfa_code');

    clock.advance(2 * TOTP_STEP_MS);
    const stale = await codeAt(secret, clock, -60);
    const old = await server.client.POST('/api/v1/users/login/mfa', { body: { mfa_token: await passwordStep(server, email, password), code: stale } });
    expect(old.error?.code).toBe('invalid_mfa_code');
    // One step off either way is accepted (a phone clock a little off).
    const previous = await server.client.POST('/api/v1/users/login/mfa', { body: { mfa_token: await passwordStep(server, email, password), code: await codeAt(secret, clock, -30) } });
    expect(previous.response.status).toBe(200);
  });

  it('a password-only login keeps amr ["pwd"]', async () => {
    const { token } = await registerAndLogin(server);
    expect(payloadOf(token).amr).toEqual(['pwd']);
  });

  it('a recovery code works once', async () => {
    const { email, password, recoveryCodes, token } = await registerWithSecondFactor(server, clock);
    const recovery = (recoveryCodes[0] ?? '').toUpperCase();
    const first = await server.client.POST('/api/v1/users/login/mfa', { body: { mfa_token: await passwordStep(server, email, password), recovery_code: recovery } });
    expect(first.response.status).toBe(200);
    const second = await server.client.POST('/api/v1/users/login/mfa', { body: { mfa_token: await passwordStep(server, email, password), recovery_code: recovery } });
    expect(second.error?.code).toBe('invalid_mfa_code');
    const status = await server.client.GET('/api/v1/users/me/mfa', { headers: bearer(first.data?.access_token ?? token) });
    expect(status.data).toEqual({ totp: 'enabled', recovery_codes_remaining: 9 });
  });

  it('the mfa_token: single use, 5 minutes, bound to its account, refused as a bearer token', async () => {
    const alice = await registerWithSecondFactor(server, clock);
    const bob = await registerWithSecondFactor(server, clock);
    const token = await passwordStep(server, alice.email, alice.password);
    expect((await server.client.GET('/api/v1/users/me', { headers: bearer(token) })).response.status).toBe(401);
    // Bob's code does not finish Alice's login.
    const crossed = await server.client.POST('/api/v1/users/login/mfa', { body: { mfa_token: token, code: await codeAt(bob.secret, clock) } });
    expect(crossed.error?.code).toBe('invalid_mfa_code');
    const ok = await server.client.POST('/api/v1/users/login/mfa', { body: { mfa_token: token, code: await codeAt(alice.secret, clock) } });
    expect(payloadOf(ok.data?.access_token ?? '').sub).toBe(String(alice.user.id));
    clock.advance(TOTP_STEP_MS);
    const reused = await server.client.POST('/api/v1/users/login/mfa', { body: { mfa_token: token, code: await codeAt(alice.secret, clock) } });
    expect(reused.response.status).toBe(401);
    expect(reused.error?.code).toBe('invalid_mfa_token');

    const late = await passwordStep(server, alice.email, alice.password);
    clock.advance(301_000);
    const expired = await server.client.POST('/api/v1/users/login/mfa', { body: { mfa_token: late, code: await codeAt(alice.secret, clock) } });
    expect(expired.error?.code).toBe('invalid_mfa_token');
    const unknown = await server.client.POST('/api/v1/users/login/mfa', { body: { mfa_token: 'mfa_nothing', code: '123456' } });
    expect(unknown.error?.code).toBe('invalid_mfa_token');
  });

  it('a deactivated account gets 403 account_disabled at the second step', async () => {
    const { email, password, secret, user } = await registerWithSecondFactor(server, clock);
    const token = await passwordStep(server, email, password);
    await runSql(server, 'update users set is_active = ? where id = ?', [false, user.id]);
    const refused = await server.client.POST('/api/v1/users/login/mfa', { body: { mfa_token: token, code: await codeAt(secret, clock) } });
    expect(refused.response.status).toBe(403);
    expect(refused.error?.code).toBe('account_disabled');
  });

  it('cookie mode works on the second step', async () => {
    const { email, password, secret } = await registerWithSecondFactor(server, clock);
    const response = await fetch(`${server.url}/api/v1/users/login/mfa`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Token-Transport': 'cookie', Origin: server.url },
      body: JSON.stringify({ mfa_token: await passwordStep(server, email, password), code: await codeAt(secret, clock) }),
    });
    expect(response.status).toBe(200);
    const body: unknown = await response.json();
    expect(body).not.toHaveProperty('refresh_token');
    expect(response.headers.getSetCookie().join('\n')).toMatch(/authapi_refresh=[\w-]+; Path=\/api\/v1\/users\/refresh; .*HttpOnly/);
  });
});

describe('removal and new recovery codes', () => {
  it('regenerating needs the password and a code; the old codes die', async () => {
    const { token, password, secret, recoveryCodes, email } = await registerWithSecondFactor(server, clock);
    const fresh = await server.client.POST('/api/v1/users/me/mfa/recovery-codes', { headers: bearer(token), body: { password, code: await codeAt(secret, clock) } });
    expect(fresh.response.status).toBe(200);
    expect(fresh.data?.recovery_codes).toHaveLength(10);
    const old = await server.client.POST('/api/v1/users/login/mfa', { body: { mfa_token: await passwordStep(server, email, password), recovery_code: recoveryCodes[1] ?? '' } });
    expect(old.error?.code).toBe('invalid_mfa_code');
    const current = await server.client.POST('/api/v1/users/login/mfa', { body: { mfa_token: await passwordStep(server, email, password), recovery_code: fresh.data?.recovery_codes[1] ?? '' } });
    expect(current.response.status).toBe(200);
  });

  it('removing needs the password and a code, ends the other sessions, and the password alone logs in again', async () => {
    const { token, password, secret, email, user } = await registerWithSecondFactor(server, clock);
    const other = await server.client.POST('/api/v1/users/login/mfa', { body: { mfa_token: await passwordStep(server, email, password), code: await codeAt(secret, clock) } });
    clock.advance(TOTP_STEP_MS);
    const wrongPassword = await server.client.DELETE('/api/v1/users/me/mfa/totp', { headers: bearer(token), body: { password: 'not the password at all', code: await codeAt(secret, clock) } });
    expect(wrongPassword.error?.code).toBe('wrong_password');
    const removed = await server.client.DELETE('/api/v1/users/me/mfa/totp', { headers: bearer(token), body: { password, code: await codeAt(secret, clock) } });
    expect(removed.response.status).toBe(204);
    expect((await server.client.GET('/api/v1/users/me', { headers: bearer(other.data?.access_token ?? '') })).response.status).toBe(401);
    const login = await server.client.POST('/api/v1/users/login', { body: { email, password } });
    expect(login.response.status).toBe(200);
    expect((await server.client.GET('/api/v1/users/me/mfa', { headers: bearer(token) })).data).toEqual({ totp: 'none', recovery_codes_remaining: 0 });
    const again = await server.client.DELETE('/api/v1/users/me/mfa/totp', { headers: bearer(token), body: { password, code: '123456' } });
    expect(again.error?.code).toBe('mfa_not_enabled');
    const events = await selectRows(server, 'select event from audit_events where user_id = ? and event = ?', [user.id, 'mfa_disabled']);
    expect(events).toHaveLength(1);
  });
});

describe('wrong codes and the login throttle', () => {
  const throttledClock = testClock({ frozenAt: startOfTotpStep() });
  let throttled: TestServer;
  beforeAll(async () => {
    throttled = await startTestServer({ LOGIN_ACCOUNT_MAX_FAILURES: '3', LOGIN_IP_MAX_FAILURES: '10000' }, { clock: throttledClock });
  });
  afterAll(() => throttled?.stop());

  it('wrong codes count like wrong passwords: then 429 with Retry-After, even for the right code', async () => {
    const { email, password, secret } = await registerWithSecondFactor(throttled, throttledClock);
    const mfaToken = await passwordStep(throttled, email, password);
    const right = await codeAt(secret, throttledClock);
    const wrong = right === '000000' ? '111111' : '000000';
    for (let i = 0; i < 3; i += 1) {
      const refused = await throttled.client.POST('/api/v1/users/login/mfa', { body: { mfa_token: mfaToken, code: wrong } });
      expect(refused.error?.code, `attempt ${i + 1}`).toBe('invalid_mfa_code');
    }
    const locked = await throttled.client.POST('/api/v1/users/login/mfa', { body: { mfa_token: mfaToken, code: right } });
    expect(locked.response.status).toBe(429);
    expect(locked.error?.code).toBe('too_many_login_failures');
    expect(locked.response.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    // The password step is locked too, and a right password does not reset the count.
    const first = await throttled.client.POST('/api/v1/users/login', { body: { email, password } });
    expect(first.response.status).toBe(429);
  });

  it('a right password does not clear the failures a wrong code made', async () => {
    const { email, password, secret } = await registerWithSecondFactor(throttled, throttledClock);
    const right = await codeAt(secret, throttledClock);
    const wrong = right === '000000' ? '111111' : '000000';
    for (let i = 0; i < 3; i += 1) {
      // A fresh first step before each guess, as an attacker holding the password would do.
      const refused = await throttled.client.POST('/api/v1/users/login/mfa', { body: { mfa_token: await passwordStep(throttled, email, password), code: wrong } });
      expect(refused.error?.code).toBe('invalid_mfa_code');
    }
    expect((await throttled.client.POST('/api/v1/users/login', { body: { email, password } })).response.status).toBe(429);
  });
});

describe('REQUIRE_MFA_FOR_ADMINS=true', () => {
  const adminClock = testClock({ frozenAt: startOfTotpStep() });
  let strict: TestServer;
  beforeAll(async () => {
    strict = await startTestServer({ REQUIRE_MFA_FOR_ADMINS: 'true' }, { clock: adminClock });
  });
  afterAll(() => strict?.stop());

  it('an admin without a factor gets 403 mfa_enrolment_required with a hint, set-role warns; after enrolling the admin API answers', async () => {
    const { email, password, token } = await registerAndLogin(strict);
    const promoted = await runManage(strict, ['set-role', email, 'admin'], { REQUIRE_MFA_FOR_ADMINS: 'true' });
    expect(promoted.code).toBe(0);
    expect(promoted.stderr).toMatch(/REQUIRE_MFA_FOR_ADMINS.*no authenticator app.*authcli mfa enable/);
    const refused = await strict.client.GET('/api/v1/admin/users', { headers: bearer(token) });
    expect(refused.response.status).toBe(403);
    expect(refused.error?.code).toBe('mfa_enrolment_required');
    expect(refused.error?.detail).toMatch(/mfa\/totp|authcli mfa enable/);
    // Their own account's operations still work, so they can enrol.
    const enrolled = await strict.client.POST('/api/v1/users/me/mfa/totp', { headers: bearer(token), body: { password } });
    await strict.client.POST('/api/v1/users/me/mfa/totp/confirm', { headers: bearer(token), body: { code: await codeAt(enrolled.data?.secret ?? '', adminClock) } });
    expect((await strict.client.GET('/api/v1/admin/users', { headers: bearer(token) })).response.status).toBe(200);
    const again = await runManage(strict, ['set-role', email, 'admin'], { REQUIRE_MFA_FOR_ADMINS: 'true' });
    expect(again.stderr).toBe('');
  });

  it('a member still gets 403 forbidden, not the enrolment hint', async () => {
    const { token } = await registerAndLogin(strict);
    expect((await strict.client.GET('/api/v1/admin/users', { headers: bearer(token) })).error?.code).toBe('forbidden');
  });
});

describe('order and settings', () => {
  it('a deactivated account with an app hears account_disabled at the password step, before mfa_required', async () => {
    const { email, password, user } = await registerWithSecondFactor(server, clock);
    await runSql(server, 'update users set is_active = ? where id = ?', [false, user.id]);
    const refused = await server.client.POST('/api/v1/users/login', { body: { email, password } });
    expect(refused.response.status).toBe(403);
    expect(refused.error?.code).toBe('account_disabled');
    expect(refused.error?.mfa_token).toBeUndefined();
  });

  it('MFA_ENABLED=false refuses new enrolments with 403 mfa_disabled', async () => {
    const off = await startTestServer({ MFA_ENABLED: 'false' });
    try {
      const { token, password } = await registerAndLogin(off);
      const refused = await off.client.POST('/api/v1/users/me/mfa/totp', { headers: bearer(token), body: { password } });
      expect(refused.response.status).toBe(403);
      expect(refused.error?.code).toBe('mfa_disabled');
    } finally {
      await off.stop();
    }
  });
});
