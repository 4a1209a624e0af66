import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, loginTokens, meStatus, refreshOutcome } from './helpers/auth-flows.js';
import { cliLogin, createCliSandbox, EXIT, parseJson, type CliSandbox } from './helpers/cli.js';
import { testClock } from './helpers/clock.js';
import { selectRows } from './helpers/db.js';
import { makeAdmin, runManage } from './helpers/manage.js';
import { passwordStep, registerWithSecondFactor } from './helpers/mfa-flows.js';
import { bearer, registerAndLogin, startTestServer, uniqueEmail, type TestServer } from './helpers/server.js';
import { startSmtpServer, type TestSmtpServer } from './helpers/smtp.js';
import { codeAt, startOfTotpStep } from './helpers/totp.js';

// The owner lost the phone and the recovery codes: an admin (or, when the only admin is that owner, the server
// host's operator) removes the app. The removal must also take every session with it, since the lost phone may
// carry one, and must tell the owner by mail.
const NOTICE = 'An administrator removed the authenticator app from your account';
const clock = testClock({ frozenAt: startOfTotpStep() });
let smtp: TestSmtpServer;
let server: TestServer;
let admin: Awaited<ReturnType<typeof registerAndLogin>>;
beforeAll(async () => {
  smtp = await startSmtpServer();
  server = await startTestServer({ SMTP_URL: smtp.url, MAIL_RETRY_BASE_SECONDS: '1', LOGIN_IP_MAX_FAILURES: '10000' }, { clock });
  admin = await registerAndLogin(server, { label: 'admin' });
  await makeAdmin(server, admin.email);
});
afterAll(async () => {
  await server?.stop();
  await smtp?.stop();
});

function removeUserSecondFactor(userId: number, token = admin.tokens.access_token) {
  return server.client.DELETE('/api/v1/admin/users/{userId}/mfa', { params: { path: { userId } }, headers: bearer(token) });
}

async function factorRows(userId: number) {
  const [factor] = await selectRows(server, 'select count(*) as n from mfa_factors where user_id = ?', [userId]);
  const [codes] = await selectRows(server, 'select count(*) as n from mfa_recovery_codes where user_id = ?', [userId]);
  return { factors: Number(factor?.n), recoveryCodes: Number(codes?.n) };
}

describe('removeUserSecondFactor', () => {
  it('removes the app and its recovery codes, ends every session, audits with the admin as actor, and mails the owner', async () => {
    const owner = await registerWithSecondFactor(server, clock);
    await passwordStep(server, owner.email, owner.password); // a half-done login, from the lost phone say
    expect(await factorRows(owner.user.id)).toEqual({ factors: 1, recoveryCodes: 10 });

    const { response } = await removeUserSecondFactor(owner.user.id);
    expect(response.status).toBe(204);

    expect(await factorRows(owner.user.id)).toEqual({ factors: 0, recoveryCodes: 0 });
    const [challenges] = await selectRows(server, 'select count(*) as n from mfa_challenges where user_id = ?', [owner.user.id]);
    expect(Number(challenges?.n)).toBe(0);
    expect(await meStatus(server, owner.token)).toBe(401);
    expect((await refreshOutcome(server, owner.tokens.refresh_token)).status).toBe(401);
    // The password alone logs in again, and the account can add a new app.
    const fresh = await loginTokens(server, owner.email, owner.password);
    const status = await server.client.GET('/api/v1/users/me/mfa', { headers: bearer(fresh.access_token) });
    expect(status.data).toEqual({ totp: 'none', recovery_codes_remaining: 0 });

    const { data: audit } = await server.client.GET('/api/v1/admin/audit', {
      params: { query: { user_id: owner.user.id, event: 'mfa_removed_by_admin' } },
      headers: bearer(admin.tokens.access_token),
    });
    expect(audit?.items).toHaveLength(1);
    expect(audit?.items[0]).toMatchObject({ user_id: owner.user.id, actor_id: admin.user.id, details: { sessions_ended: 1 } });
    const mails = await smtp.waitFor(owner.email, 3);
    expect(mails[2]?.subject).toBe(NOTICE);
    expect(mails[2]?.text).not.toMatch(/https?:\/\//);
  });

  it('removes an enrolment that was never confirmed', async () => {
    const owner = await registerAndLogin(server);
    await server.client.POST('/api/v1/users/me/mfa/totp', { headers: bearer(owner.token), body: { password: owner.password } });
    expect((await factorRows(owner.user.id)).factors).toBe(1);
    expect((await removeUserSecondFactor(owner.user.id)).response.status).toBe(204);
    expect((await factorRows(owner.user.id)).factors).toBe(0);
  });

  it('409 mfa_not_enabled for an account without an app, 404 for an unknown one, 403 for a member; nothing changes', async () => {
    const plain = await registerAndLogin(server);
    const none = await removeUserSecondFactor(plain.user.id);
    expect(none.response.status).toBe(409);
    expect(none.error?.code).toBe('mfa_not_enabled');
    expect(await meStatus(server, plain.token)).toBe(200);

    const unknown = await removeUserSecondFactor(2_000_000_000);
    expect(unknown.response.status).toBe(404);
    expect(unknown.error?.code).toBe('user_not_found');

    const owner = await registerWithSecondFactor(server, clock);
    const refused = await removeUserSecondFactor(owner.user.id, plain.token);
    expect(refused.response.status).toBe(403);
    expect(refused.error?.code).toBe('forbidden');
    expect(await factorRows(owner.user.id)).toEqual({ factors: 1, recoveryCodes: 10 });
    expect(await meStatus(server, owner.token)).toBe(200);
    await passwordStep(server, owner.email, owner.password);
  });
});

describe('authcli admin users remove-mfa', { timeout: 60_000 }, () => {
  let cli: CliSandbox;
  beforeAll(async () => {
    cli = createCliSandbox(server.url);
    const result = await cliLogin(cli, admin.email, { password: admin.password });
    if (result.code !== EXIT.ok) throw new Error(`authcli login failed: ${result.stderr}`);
  });
  afterAll(() => cli?.cleanup());

  it('removes the app, says what happened; again, it exits 1 with the server\'s reason', async () => {
    const owner = await registerWithSecondFactor(server, clock);
    const result = await cli.run(['admin', 'users', 'remove-mfa', String(owner.user.id)]);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(result.stdout).toBe(
      `Removed the authenticator app of account ${owner.user.id}: logins ask for the password alone, and every session of the account has ended.\n`,
    );
    expect((await login(server, owner.email, owner.password)).response.status).toBe(200);

    const again = await cli.run(['admin', 'users', 'remove-mfa', String(owner.user.id)]);
    expect(again.code).toBe(EXIT.generalError);
    expect(again.stderr).toBe('error: This account has no authenticator app. (409 mfa_not_enabled)\n');
  });

  it('--json prints the outcome', async () => {
    const owner = await registerWithSecondFactor(server, clock);
    const result = await cli.run(['admin', 'users', 'remove-mfa', String(owner.user.id), '--json']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(parseJson(result.stdout)).toEqual({ id: owner.user.id, mfa_removed: true });
  });
});

// Each run is a fresh Node process that loads the ORM: about a second of CPU, far more on a busy machine.
describe('npm run manage -- remove-mfa', { timeout: 90_000 }, () => {
  it('removes an admin\'s own app when no one can call the API; audited as the operator command; the notice is queued and sent', async () => {
    const owner = await registerWithSecondFactor(server, clock, { label: 'lone-admin' });
    await makeAdmin(server, owner.email);
    const result = await runManage(server, ['remove-mfa', owner.email.toUpperCase()]);
    expect(result, result.stderr).toEqual({
      code: EXIT.ok,
      stdout: `${owner.email} has no authenticator app now: its recovery codes are gone and every session of the account has ended.\n`,
      stderr: '',
    });
    expect(await factorRows(owner.user.id)).toEqual({ factors: 0, recoveryCodes: 0 });
    expect(await meStatus(server, owner.token)).toBe(401);
    const fresh = await loginTokens(server, owner.email, owner.password);
    expect(await meStatus(server, fresh.access_token)).toBe(200);
    const rows = await selectRows(server, "select actor_id, user_agent from audit_events where user_id = ? and event = 'mfa_removed_by_admin'", [owner.user.id]);
    expect(rows).toEqual([{ actor_id: null, user_agent: 'npm run manage' }]);
    // The running server's sender delivers what the command queued (due at the host's time, so this test's
    // frozen clock moves past it).
    clock.advance(60_000);
    expect((await smtp.waitFor(owner.email, 3))[2]?.subject).toBe(NOTICE);
  });

  it('exits 1 for an unknown email or an account without an app, and 2 with the usage line for a missing or extra argument', async () => {
    const email = uniqueEmail('nobody');
    expect(await runManage(server, ['remove-mfa', email])).toEqual({ code: 1, stdout: '', stderr: `No account has the email ${email}.\n` });
    const plain = await registerAndLogin(server);
    expect(await runManage(server, ['remove-mfa', plain.email])).toEqual({
      code: 1,
      stdout: '',
      stderr: `${plain.email} stays as it is: This account has no authenticator app.\n`,
    });
    expect(await meStatus(server, plain.token)).toBe(200);
    const misused = [['remove-mfa'], ['remove-mfa', email, 'extra']];
    for (const [i, result] of (await Promise.all(misused.map((args) => runManage(server, args)))).entries()) {
      expect(result, JSON.stringify(misused[i])).toEqual({ code: 2, stdout: '', stderr: 'usage: npm run --silent manage -- remove-mfa <email>\n' });
    }
  });

  it('a code from the removed app no longer completes a login', async () => {
    const owner = await registerWithSecondFactor(server, clock);
    const mfaToken = await passwordStep(server, owner.email, owner.password);
    expect((await runManage(server, ['remove-mfa', owner.email])).code).toBe(0);
    const second = await server.client.POST('/api/v1/users/login/mfa', { body: { mfa_token: mfaToken, code: await codeAt(owner.secret, clock) } });
    expect(second.response.status).toBe(401);
    expect(second.error?.code).toBe('invalid_mfa_token');
  });
});
