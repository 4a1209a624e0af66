import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAccessToken } from './helpers/auth-flows.js';
import { passwordStep, registerWithSecondFactor } from './helpers/mfa-flows.js';
import { registerAccount, startTestServer, type TestServer } from './helpers/server.js';
import { startSmtpServer, tokenIn, type TestSmtpServer } from './helpers/smtp.js';
import { testClock } from './helpers/clock.js';
import { codeAt, startOfTotpStep, TOTP_STEP_MS } from './helpers/totp.js';

const NEW_PASSWORD = 'a brand new passphrase for this';
const ACCOUNT_MAX_FAILURES = 3;

/**
 * A reset link proves the mailbox; an account with an authenticator app needs the app (or a recovery code) too.
 * Real HTTP, real SMTP, real codes from the secret the server returned, on a server clock the tests move.
 */
describe('password reset of an account with an authenticator app', () => {
  let smtp: TestSmtpServer;
  let server: TestServer;
  const clock = testClock({ frozenAt: startOfTotpStep() });

  beforeAll(async () => {
    smtp = await startSmtpServer();
    server = await startTestServer(
      {
        SMTP_URL: smtp.url,
        MAIL_ADDRESS_MAX_PER_HOUR: '100000',
        LOGIN_ACCOUNT_MAX_FAILURES: String(ACCOUNT_MAX_FAILURES),
        LOGIN_IP_MAX_FAILURES: '100000',
      },
      { clock },
    );
  });
  afterAll(async () => {
    await server?.stop();
    await smtp?.stop();
  });

  type Proof = { code: string } | { recovery_code: string } | Record<string, never>;
  const reset = (token: string, proof: Proof = {}, new_password = NEW_PASSWORD) =>
    server.client.POST('/api/v1/users/password/reset', { body: { token, new_password, ...proof } });
  const login = (email: string, password: string) => server.client.POST('/api/v1/users/login', { body: { email, password } });

  /** Asks for a reset link and reads its token from the mail the SMTP server received. */
  async function resetToken(email: string): Promise<string> {
    expect((await server.client.POST('/api/v1/users/password/forgot', { body: { email } })).response.status).toBe(202);
    // The account's earlier mails (verification, "authenticator app added") may arrive before or after it.
    for (let count = 1; ; count += 1) {
      const mail = (await smtp.waitFor(email, count)).find((received) => received.subject === 'Reset your password');
      if (mail) return tokenIn(mail);
    }
  }

  /** A code the app does not show now (nor one step either side, which the server also accepts). */
  async function wrongCode(secret: string): Promise<string> {
    const near = new Set([await codeAt(secret, clock, -30), await codeAt(secret, clock), await codeAt(secret, clock, 30)]);
    return ['000000', '111111', '222222', '333333'].find((code) => !near.has(code)) ?? '444444';
  }

  it('without a code: 403 mfa_code_required after the token and policy checks, and nothing changes', async () => {
    const account = await registerWithSecondFactor(server, clock);
    const token = await resetToken(account.email);

    expect((await reset('x'.repeat(43))).error?.code).toBe('invalid_reset_token');
    const weak = await reset(token, {}, 'password');
    expect(weak.response.status).toBe(422);
    expect(weak.error?.code).toBe('weak_password');

    const refused = await reset(token);
    expect(refused.response.status).toBe(403);
    expect(refused.response.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.error).toMatchObject({
      code: 'mfa_code_required',
      detail: 'This account has an authenticator app: send a code from it, or a recovery code, with the new password.',
    });
    expect(refused.data).toBeUndefined();
    // The password is unchanged (it still reaches the second step) and the link still works, with a code.
    await passwordStep(server, account.email, account.password);
    const done = await reset(token, { code: await codeAt(account.secret, clock) });
    expect(done.response.status).toBe(200);
  });

  it('a right code resets: the session says amr ["pwd","otp"], the old password is refused, the new one asks for a code', async () => {
    const account = await registerWithSecondFactor(server, clock);
    const token = await resetToken(account.email);
    const done = await reset(token, { code: await codeAt(account.secret, clock) });
    expect(done.response.status).toBe(200);
    expect(decodeAccessToken(done.data?.access_token ?? '').payload.amr).toEqual(['pwd', 'otp']);
    const me = await server.client.GET('/api/v1/users/me', { headers: { Authorization: `Bearer ${done.data?.access_token}` } });
    expect(me.data?.email).toBe(account.email);
    expect((await login(account.email, account.password)).error?.code).toBe('invalid_credentials');
    await passwordStep(server, account.email, NEW_PASSWORD);
    // Spent with the reset.
    expect((await reset(token, { code: await codeAt(account.secret, clock) })).error?.code).toBe('invalid_reset_token');
  });

  it('a wrong code: 403 invalid_mfa_code, the link stays usable; wrong codes count as failed logins (429 after the limit)', async () => {
    const account = await registerWithSecondFactor(server, clock);
    const token = await resetToken(account.email);
    const wrong = await reset(token, { code: await wrongCode(account.secret) });
    expect(wrong.response.status).toBe(403);
    expect(wrong.error?.code).toBe('invalid_mfa_code');
    await passwordStep(server, account.email, account.password);

    const statuses: number[] = [];
    for (let attempt = 1; attempt < ACCOUNT_MAX_FAILURES; attempt += 1) statuses.push((await reset(token, { code: await wrongCode(account.secret) })).response.status);
    expect(statuses).toEqual(Array(ACCOUNT_MAX_FAILURES - 1).fill(403));
    // The account is locked out now: a right code waits too, and so does a login with the password.
    const locked = await reset(token, { code: await codeAt(account.secret, clock) });
    expect(locked.response.status).toBe(429);
    expect(locked.error?.code).toBe('too_many_login_failures');
    expect(Number(locked.response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await login(account.email, account.password)).response.status).toBe(429);
  });

  it('a code already used in its step is refused (replay), the next step\'s is accepted', async () => {
    const account = await registerWithSecondFactor(server, clock);
    const code = await codeAt(account.secret, clock);
    const mfaToken = await passwordStep(server, account.email, account.password);
    expect((await server.client.POST('/api/v1/users/login/mfa', { body: { mfa_token: mfaToken, code } })).response.status).toBe(200);
    const token = await resetToken(account.email);
    expect((await reset(token, { code })).error?.code).toBe('invalid_mfa_code');
    clock.advance(TOTP_STEP_MS);
    expect((await reset(token, { code: await codeAt(account.secret, clock) })).response.status).toBe(200);
  });

  it('a recovery code resets and is spent: it no longer completes a login, nine remain', async () => {
    const account = await registerWithSecondFactor(server, clock);
    const [recovery] = account.recoveryCodes;
    if (!recovery) throw new Error('no recovery codes');
    const token = await resetToken(account.email);
    const done = await reset(token, { recovery_code: recovery });
    expect(done.response.status).toBe(200);
    expect(decodeAccessToken(done.data?.access_token ?? '').payload.amr).toEqual(['pwd', 'otp']);
    const status = await server.client.GET('/api/v1/users/me/mfa', { headers: { Authorization: `Bearer ${done.data?.access_token}` } });
    expect(status.data).toEqual({ totp: 'enabled', recovery_codes_remaining: 9 });
    const mfaToken = await passwordStep(server, account.email, NEW_PASSWORD);
    const again = await server.client.POST('/api/v1/users/login/mfa', { body: { mfa_token: mfaToken, recovery_code: recovery } });
    expect(again.error?.code).toBe('invalid_mfa_code');
  });

  it('a code and a recovery code together are refused by the contract (422 validation_failed)', async () => {
    const account = await registerWithSecondFactor(server, clock);
    const token = await resetToken(account.email);
    const response = await fetch(`${server.url}/api/v1/users/password/reset`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, new_password: NEW_PASSWORD, code: await codeAt(account.secret, clock), recovery_code: account.recoveryCodes[0] }),
    });
    expect(response.status).toBe(422);
    expect(((await response.json()) as { code?: unknown }).code).toBe('validation_failed');
  });

  it('an account without an authenticator app resets as before; a code sent anyway is ignored', async () => {
    const plain = await registerAccount(server);
    const first = await reset(await resetToken(plain.email));
    expect(first.response.status).toBe(200);
    expect(decodeAccessToken(first.data?.access_token ?? '').payload.amr).toEqual(['pwd']);
    expect((await login(plain.email, NEW_PASSWORD)).response.status).toBe(200);

    const other = await registerAccount(server);
    const second = await reset(await resetToken(other.email), { code: '123456' });
    expect(second.response.status).toBe(200);
    expect(decodeAccessToken(second.data?.access_token ?? '').payload.amr).toEqual(['pwd']);
  });
});
