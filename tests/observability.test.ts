import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { passwordStep, registerWithSecondFactor } from './helpers/mfa-flows.js';
import { bearer, registerAndLogin, startTestServer, uniqueEmail, type TestServer } from './helpers/server.js';
import { testClock } from './helpers/clock.js';
import { codeAt, startOfTotpStep } from './helpers/totp.js';

describe('request ids, access log and metrics', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.stop());

  it('echoes a sane X-Request-Id and logs it on the access line with operationId, status and duration', async () => {
    const response = await fetch(`${server.url}/healthz`, { headers: { 'X-Request-Id': 'probe-123.a:b' } });
    expect(response.headers.get('x-request-id')).toBe('probe-123.a:b');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const line = server
      .logs()
      .split('\n')
      .filter(Boolean)
      .map((text) => JSON.parse(text) as Record<string, unknown>)
      .find((entry) => entry.requestId === 'probe-123.a:b');
    expect(line).toMatchObject({ msg: 'request', operationId: 'checkLiveness', status: 200, method: 'GET', path: '/healthz' });
    expect(typeof line?.durationMs).toBe('number');
  });

  it('names the operation on the access line of a request refused before its handler (bad token, no token, bad body)', async () => {
    const refused = [
      { id: 'refused-token', operationId: 'getCurrentUser', status: 401, send: (headers: Record<string, string>) => fetch(`${server.url}/api/v1/users/me`, { headers: { ...headers, ...bearer('not-a-token') } }) },
      { id: 'no-token', operationId: 'listUsers', status: 401, send: (headers: Record<string, string>) => fetch(`${server.url}/api/v1/admin/users`, { headers }) },
      {
        id: 'bad-body',
        operationId: 'registerUser',
        status: 422,
        send: (headers: Record<string, string>) =>
          fetch(`${server.url}/api/v1/users/register`, { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' }, body: '{"email":"x"}' }),
      },
    ];
    for (const { id, status, send } of refused) expect((await send({ 'X-Request-Id': id })).status, id).toBe(status);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const lines = server
      .logs()
      .split('\n')
      .filter(Boolean)
      .map((text) => JSON.parse(text) as Record<string, unknown>);
    for (const { id, operationId, status } of refused) {
      expect(lines.find((entry) => entry.requestId === id && entry.msg === 'request'), id).toMatchObject({ operationId, status });
    }
  });

  it('replaces an X-Request-Id that could smuggle anything into a log line', async () => {
    const response = await fetch(`${server.url}/healthz`, { headers: { 'X-Request-Id': 'evil id"}{' } });
    const id = response.headers.get('x-request-id');
    expect(id).not.toBe('evil id"}{');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('never logs a password, a token, an Authorization header or a cookie', async () => {
    const canary = `canary-${Date.now()}-correct horse`;
    const { token, tokens } = await registerAndLogin(server, { email: uniqueEmail('canary'), password: canary });
    await fetch(`${server.url}/api/v1/users/me?access_token=${token}`, { headers: { ...bearer(token), Cookie: 'session=cookie-canary' } });
    await server.client.POST('/api/v1/users/refresh', { body: { refresh_token: tokens.refresh_token } });
    await server.client.POST('/api/v1/users/login', { body: { email: 'nobody@example.com', password: canary } });
    // The mailed links: without SMTP_URL the mails are .eml files in MAIL_DIR; the log only names the files.
    const email = (await server.client.GET('/api/v1/users/me', { headers: bearer(token) })).data?.email ?? '';
    await server.client.POST('/api/v1/users/password/forgot', { body: { email } });
    const mails = await mailedTokens(server, 'Reset your password');
    const reset = mails.find((mail) => mail.subject === 'Reset your password');
    const resetCanary = `${canary} reset`;
    expect((await server.client.POST('/api/v1/users/password/reset', { body: { token: reset?.token ?? '', new_password: resetCanary } })).response.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const logs = server.logs();
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).toContain('.eml');
    for (const secret of [canary, resetCanary, token, tokens.refresh_token, 'cookie-canary', ...mails.flatMap((mail) => [mail.token, mail.text.slice(0, 60)])]) {
      expect(logs).not.toContain(secret);
    }
    expect(logs).not.toMatch(/(reset|verify)_token=/);
    expect(logs.toLowerCase()).not.toContain('bearer ');
  });

  it('never logs an authenticator secret, a code, a recovery code or an mfa_token (canary)', async () => {
    const clock = testClock({ frozenAt: startOfTotpStep() });
    const mfaServer = await startTestServer({ LOG_LEVEL: 'debug' }, { clock });
    try {
      const { email, password, secret, recoveryCodes } = await registerWithSecondFactor(mfaServer, clock);
      const mfaToken = await passwordStep(mfaServer, email, password);
      const code = await codeAt(secret, clock);
      const done = await mfaServer.client.POST('/api/v1/users/login/mfa', { body: { mfa_token: mfaToken, code } });
      expect(done.response.status).toBe(200);
      const recovery = recoveryCodes[0] ?? '';
      await mfaServer.client.POST('/api/v1/users/login/mfa', { body: { mfa_token: await passwordStep(mfaServer, email, password), recovery_code: recovery } });
      const logs = mfaServer.logs();
      expect(logs.length).toBeGreaterThan(0);
      for (const value of [secret, secret.toLowerCase(), mfaToken, recovery, ...recoveryCodes, `"${code}"`]) expect(logs).not.toContain(value);
    } finally {
      await mfaServer.stop();
    }
  });

  it('serves Prometheus metrics: durations by operationId and status, login and refresh outcomes, active sessions', async () => {
    const { tokens } = await registerAndLogin(server);
    await server.client.POST('/api/v1/users/login', { body: { email: uniqueEmail('nobody'), password: 'wrong password here' } });
    await server.client.POST('/api/v1/users/refresh', { body: { refresh_token: tokens.refresh_token } });
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/http_request_duration_seconds_count\{operation="login",method="POST",status="200"\} [1-9]/);
    expect(text).toMatch(/auth_logins_total\{outcome="ok"\} [1-9]/);
    expect(text).toMatch(/auth_logins_total\{outcome="failed"\} [1-9]/);
    expect(text).toMatch(/auth_refreshes_total\{outcome="ok"\} [1-9]/);
    expect(text).toMatch(/auth_active_sessions [1-9]/);
    expect(text).toMatch(/process_cpu_user_seconds_total/);
  });
});

describe('METRICS_ENABLED=false', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ METRICS_ENABLED: 'false' });
  });
  afterAll(() => server?.stop());

  it('answers /metrics with a 404 problem', async () => {
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});

describe('LOG_LEVEL=warn', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ LOG_LEVEL: 'warn' });
  });
  afterAll(() => server?.stop());

  it('writes no access lines (they are info), yet still writes warnings', async () => {
    const response = await fetch(`${server.url}/healthz`, { headers: { 'X-Request-Id': 'quiet-probe' } });
    expect(response.status).toBe(200);
    server.running.logger.warn('a warning still gets through');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const logs = server.logs();
    expect(logs).not.toContain('quiet-probe');
    expect(logs).toContain('a warning still gets through');
  });
});

/** The link tokens of the .eml files a server without SMTP_URL wrote, once one has this subject. */
async function mailedTokens(server: TestServer, subject: string): Promise<{ subject: string; text: string; token: string }[]> {
  const dir = join(server.dir, 'mail');
  const deadline = Date.now() + 10_000;
  for (;;) {
    const files = existsSync(dir) ? readdirSync(dir) : [];
    const parsed = await Promise.all(files.map((file) => simpleParser(readFileSync(join(dir, file)))));
    if (parsed.some((mail) => mail.subject === subject)) {
      return parsed.map((mail) => ({ subject: mail.subject ?? '', text: mail.text ?? '', token: /_token=([A-Za-z0-9_-]{43})/.exec(mail.text ?? '')?.[1] ?? '' }));
    }
    if (Date.now() > deadline) throw new Error(`no mail "${subject}" in ${dir} (${files.length} files)`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
