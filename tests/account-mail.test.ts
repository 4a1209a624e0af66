import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserSchema } from '../server/db/entities/user.entity.js';
import { testClock } from './helpers/clock.js';
import { startSmtpServer, tokenIn, type TestSmtpServer } from './helpers/smtp.js';
import { bearer, GOOD_PASSWORD, registerAccount, registerAndLogin, startTestServer, uniqueEmail, type TestServer } from './helpers/server.js';

const FORGOT = '/api/v1/users/password/forgot';
const NEW_PASSWORD = 'a brand new passphrase for this';

/** Real HTTP, a real SMTP server; the clock moves only where a test says so. */
describe('password reset, email verification and email change over a real SMTP server', () => {
  let smtp: TestSmtpServer;
  let server: TestServer;
  const clock = testClock();

  beforeAll(async () => {
    smtp = await startSmtpServer();
    server = await startTestServer(
      { SMTP_URL: smtp.url, MAIL_FROM: 'Auth Test <auth@example.com>', MAIL_RETRY_BASE_SECONDS: '1', MAIL_ADDRESS_MAX_PER_HOUR: '100000', MAIL_ACCOUNT_MAX_PER_HOUR: '50' },
      { clock },
    );
  });
  afterAll(async () => {
    await server?.stop();
    await smtp?.stop();
  });

  const forgot = (email: string) => server.client.POST(FORGOT, { body: { email } });
  const reset = (token: string, new_password = NEW_PASSWORD) => server.client.POST('/api/v1/users/password/reset', { body: { token, new_password } });
  const login = (email: string, password: string) => server.client.POST('/api/v1/users/login', { body: { email, password } });
  async function resetMail(email: string, count = 1) {
    const mails = (await smtp.waitFor(email, count)).filter((mail) => mail.subject === 'Reset your password');
    const last = mails.at(-1);
    if (!last) throw new Error('no reset mail');
    return last;
  }

  it('registration mails a verification link (text and HTML parts); the link verifies once', async () => {
    const { email, id, user } = await registerAccount(server);
    expect(user).toMatchObject({ email_verified: false, email_verified_at: null });
    const [mail] = await smtp.waitFor(email);
    expect(mail?.subject).toBe('Confirm your email address');
    expect(mail?.html).toContain('<a href="http://localhost:8000/account#verify_token=');
    const token = tokenIn(mail!);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const verified = await server.client.POST('/api/v1/users/email/verify', { body: { token } });
    expect(verified.response.status).toBe(200);
    expect(verified.data).toMatchObject({ id, email, email_verified: true });
    const again = await server.client.POST('/api/v1/users/email/verify', { body: { token } });
    expect(again.response.status).toBe(422);
    expect(again.error?.code).toBe('invalid_verification_token');
    const stored = await server.running.orm.em.fork().findOneOrFail(UserSchema, { id });
    expect(stored.emailVerifiedAt).toBeInstanceOf(Date);
  });

  it('resend: a new link, the old one superseded; 409 once verified', async () => {
    const { email, token } = await registerAndLogin(server);
    const first = tokenIn((await smtp.waitFor(email))[0]!);
    const resent = await server.client.POST('/api/v1/users/me/email/verification', { headers: bearer(token) });
    expect(resent.response.status).toBe(202);
    expect(resent.data).toEqual({ status: 'accepted' });
    const second = tokenIn((await smtp.waitFor(email, 2))[1]!);
    expect((await server.client.POST('/api/v1/users/email/verify', { body: { token: first } })).error?.code).toBe('invalid_verification_token');
    expect((await server.client.POST('/api/v1/users/email/verify', { body: { token: second } })).response.status).toBe(200);
    const me = await server.client.GET('/api/v1/users/me', { headers: bearer(token) });
    expect(me.data?.email_verified).toBe(true);
    const done = await server.client.POST('/api/v1/users/me/email/verification', { headers: bearer(token) });
    expect(done.response.status).toBe(409);
    expect(done.error?.code).toBe('email_already_verified');
  });

  it('forgot-password answers a known and an unknown email alike: status, body and headers', async () => {
    const { email } = await registerAccount(server);
    const unknown = uniqueEmail('nobody');
    const strip = (response: Response) =>
      [...response.headers].filter(([name]) => !['date', 'x-request-id'].includes(name)).sort(([a], [b]) => a.localeCompare(b));
    const known1 = await fetch(`${server.url}${FORGOT}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email }) });
    const unknown1 = await fetch(`${server.url}${FORGOT}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: unknown }) });
    expect(known1.status).toBe(202);
    expect(unknown1.status).toBe(202);
    expect(await known1.text()).toBe(await unknown1.text());
    expect(strip(known1)).toEqual(strip(unknown1));
    // Time is measured by bench/forgot-timing.ts, which prints both medians: a timed assertion here would fail on a
    // loaded machine (it did, at load 12) and prove little on an idle one.
  });

  it('a reset link works once, ends every session, refuses the old password and sends a notice', async () => {
    const { email, password, token: oldAccess, tokens } = await registerAndLogin(server);
    await smtp.waitFor(email); // the verification mail
    expect((await forgot(email)).response.status).toBe(202);
    const mail = await resetMail(email, 2);
    expect(mail.html).toContain('reset_token=');
    const token = tokenIn(mail);

    const weak = await reset(token, 'password');
    expect(weak.response.status).toBe(422); // a refused password leaves the link usable
    const done = await reset(token);
    expect(done.response.status).toBe(200);
    expect(done.response.headers.get('cache-control')).toBe('no-store');
    expect((await server.client.GET('/api/v1/users/me', { headers: bearer(done.data!.access_token) })).data?.email_verified).toBe(true);
    expect((await server.client.GET('/api/v1/users/me', { headers: bearer(oldAccess) })).response.status).toBe(401);
    expect((await server.client.POST('/api/v1/users/refresh', { body: { refresh_token: tokens.refresh_token } })).response.status).toBe(401);
    expect((await login(email, password)).response.status).toBe(401);
    expect((await login(email, NEW_PASSWORD)).response.status).toBe(200);
    const again = await reset(token, 'yet another passphrase here');
    expect(again.response.status).toBe(422);
    expect(again.error?.code).toBe('invalid_reset_token');
    const notices = await smtp.waitFor(email, 3);
    expect(notices.map((m) => m.subject)).toContain('Your password was reset');
    expect(notices.find((m) => m.subject === 'Your password was reset')?.text).not.toMatch(/token=/);
  });

  it('a reset link fails after expiry (the clock moves 31 minutes), after a newer request, and after a password change', async () => {
    const { email, token: access } = await registerAndLogin(server);
    await smtp.waitFor(email);
    await forgot(email);
    const expired = tokenIn(await resetMail(email, 2));
    clock.advance(31 * 60_000);
    expect((await reset(expired)).error?.code).toBe('invalid_reset_token');

    await forgot(email);
    const older = tokenIn(await resetMail(email, 3));
    await forgot(email);
    const newer = tokenIn(await resetMail(email, 4));
    expect(newer).not.toBe(older);
    expect((await reset(older)).error?.code).toBe('invalid_reset_token');

    const changed = await server.client.POST('/api/v1/users/me/password', { headers: bearer(access), body: { current_password: GOOD_PASSWORD, new_password: 'changed by the owner meanwhile' } });
    expect(changed.response.status).toBe(200);
    expect((await reset(newer)).error?.code).toBe('invalid_reset_token');
    expect((await smtp.waitFor(email, 5)).map((m) => m.subject)).toContain('Your password was changed');
  });

  it('an unknown email gets 202 and no mail', async () => {
    const before = smtp.mails.length;
    const nobody = uniqueEmail('nobody');
    expect((await forgot(nobody)).response.status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(smtp.mails.slice(before).filter((m) => m.to === nobody)).toEqual([]);
  });

  it('email change: a link to the new address, a notice to the old; the change happens when the link is used', async () => {
    const { email, token, user } = await registerAndLogin(server);
    const next = uniqueEmail('moved');
    const wrong = await server.client.POST('/api/v1/users/me/email', { headers: bearer(token), body: { new_email: next, password: 'not the password' } });
    expect(wrong.response.status).toBe(403);
    const asked = await server.client.POST('/api/v1/users/me/email', { headers: bearer(token), body: { new_email: next, password: GOOD_PASSWORD } });
    expect(asked.response.status).toBe(202);
    const [confirm] = await smtp.waitFor(next);
    const notice = (await smtp.waitFor(email, 2)).find((m) => m.subject === 'Your email address is about to change');
    expect(notice?.text).toContain(next);
    expect(notice?.text).not.toMatch(/token=/);
    expect((await server.client.GET('/api/v1/users/me', { headers: bearer(token) })).data?.email).toBe(email);
    const used = await server.client.POST('/api/v1/users/email/verify', { body: { token: tokenIn(confirm!) } });
    expect(used.response.status).toBe(200);
    expect(used.data).toMatchObject({ id: user.id, email: next, email_verified: true });
    expect((await login(next, GOOD_PASSWORD)).response.status).toBe(200);
    expect((await login(email, GOOD_PASSWORD)).response.status).toBe(401);
  });

  it('email change: 409 email_taken when the address was registered meanwhile, and nothing changes', async () => {
    const { email, token } = await registerAndLogin(server);
    const next = uniqueEmail('contested');
    await server.client.POST('/api/v1/users/me/email', { headers: bearer(token), body: { new_email: next, password: GOOD_PASSWORD } });
    const [confirm] = await smtp.waitFor(next);
    await registerAccount(server, { email: next });
    const used = await server.client.POST('/api/v1/users/email/verify', { body: { token: tokenIn(confirm!) } });
    expect(used.response.status).toBe(409);
    expect(used.error?.code).toBe('email_taken');
    expect((await server.client.GET('/api/v1/users/me', { headers: bearer(token) })).data?.email).toBe(email);
  });

  it('with SMTP stopped the request still gets 202; after SMTP returns the mail arrives exactly once', async () => {
    const { email } = await registerAccount(server);
    await smtp.waitFor(email);
    smtp.refuseConnections();
    try {
      expect((await forgot(email)).response.status).toBe(202);
      // At least one attempt fails meanwhile (retry base 1 s).
      await waitUntil(async () => (await metric(server, 'retried')) > 0);
    } finally {
      smtp.acceptConnections();
    }
    clock.advance(60 * 60_000); // past any backoff
    const mails = await smtp.waitFor(email, 2);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(smtp.mails.filter((m) => m.to === email)).toHaveLength(mails.length);
    expect(mails.filter((m) => m.subject === 'Reset your password')).toHaveLength(1);
  });

  it('an admin sees and sets email_verified; audit events record every step of an account', async () => {
    const admin = await registerAndLogin(server);
    await server.running.orm.em.fork().nativeUpdate(UserSchema, { id: admin.user.id }, { role: 'admin' });
    const { email, id } = await registerAccount(server);
    await server.client.POST('/api/v1/users/email/verify', { body: { token: tokenIn((await smtp.waitFor(email))[0]!) } });
    await forgot(email);
    const token = (await reset(tokenIn(await resetMail(email, 2)))).data?.access_token ?? '';
    const next = uniqueEmail('audited');
    await server.client.POST('/api/v1/users/me/email', { headers: bearer(token), body: { new_email: next, password: NEW_PASSWORD } });
    expect((await server.client.POST('/api/v1/users/email/verify', { body: { token: tokenIn((await smtp.waitFor(next))[0]!) } })).response.status).toBe(200);
    const unset = await server.client.PATCH('/api/v1/admin/users/{userId}', { params: { path: { userId: id } }, headers: bearer(admin.token), body: { email_verified: false } });
    expect(unset.data).toMatchObject({ id, email_verified: false, email_verified_at: null });
    const events = await server.client.GET('/api/v1/admin/audit', { params: { query: { user_id: id, limit: 100 } }, headers: bearer(admin.token) });
    const kinds = new Set(events.data?.items.map((event) => event.event));
    for (const kind of ['email_verified', 'password_reset_requested', 'password_reset', 'email_change_requested', 'email_changed', 'email_verification_set'] as const) {
      expect(kinds.has(kind), kind).toBe(true);
    }
  });

  it('logs no token, link or mail body', async () => {
    const logs = server.logs();
    expect(logs).toContain('accepted by SMTP');
    for (const mail of smtp.mails) {
      const match = /token=([A-Za-z0-9_-]{43})/.exec(mail.text);
      if (match?.[1]) expect(logs).not.toContain(match[1]);
      expect(logs).not.toContain(mail.text.slice(0, 40));
    }
    expect(logs).not.toContain('token=');
  });
});

describe('limits and settings', () => {
  it('past the account limit: 202 and nothing sent; past the address limit: 429 with Retry-After', async () => {
    const smtp = await startSmtpServer();
    const server = await startTestServer({ SMTP_URL: smtp.url, MAIL_ACCOUNT_MAX_PER_HOUR: '2', MAIL_ADDRESS_MAX_PER_HOUR: '4' });
    try {
      const { email } = await registerAccount(server); // the verification mail is the first of two
      await smtp.waitFor(email);
      for (let i = 0; i < 3; i += 1) expect((await server.client.POST(FORGOT, { body: { email } })).response.status).toBe(202);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(smtp.mails.filter((m) => m.to === email)).toHaveLength(2);
      const fifth = await server.client.POST(FORGOT, { body: { email } });
      expect(fifth.response.status).toBe(202);
      const sixth = await server.client.POST(FORGOT, { body: { email: uniqueEmail('other') } });
      expect(sixth.response.status).toBe(429);
      expect(sixth.error?.code).toBe('too_many_mail_requests');
      expect(Number(sixth.response.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await server.stop();
      await smtp.stop();
    }
  });

  it('REQUIRE_VERIFIED_EMAIL: a wrong password gets 401; the right one 403 email_not_verified until the link is used', async () => {
    const smtp = await startSmtpServer();
    const server = await startTestServer({ SMTP_URL: smtp.url, REQUIRE_VERIFIED_EMAIL: 'true' });
    try {
      const { email, password } = await registerAccount(server);
      expect((await server.client.POST('/api/v1/users/login', { body: { email, password: 'wrong password' } })).response.status).toBe(401);
      const refused = await server.client.POST('/api/v1/users/login', { body: { email, password } });
      expect(refused.response.status).toBe(403);
      expect(refused.error?.code).toBe('email_not_verified');
      const [mail] = await smtp.waitFor(email);
      await server.client.POST('/api/v1/users/email/verify', { body: { token: tokenIn(mail!) } });
      expect((await server.client.POST('/api/v1/users/login', { body: { email, password } })).response.status).toBe(200);
    } finally {
      await server.stop();
      await smtp.stop();
    }
  });

  it('after MAIL_MAX_ATTEMPTS a mail is marked failed, its body purged, and counted in /metrics', async () => {
    const smtp = await startSmtpServer();
    smtp.refuseConnections(); // holds its port, so no other test's server can be handed it meanwhile
    const server = await startTestServer({ SMTP_URL: smtp.url, MAIL_MAX_ATTEMPTS: '1' });
    try {
      await registerAccount(server);
      await waitUntil(async () => (await metric(server, 'failed')) === 1);
      const rows = await server.running.orm.em.getConnection().execute('select status, text_body, html_body from mail_outbox');
      expect(rows).toEqual([{ status: 'failed', text_body: null, html_body: null }]);
      expect(server.logs()).toContain('failed after 1 attempts');
      expect(smtp.mails).toEqual([]);
    } finally {
      await server.stop();
      await smtp.stop();
    }
  });

  it('MAIL_DISABLED=true: every mail operation answers 503 mail_disabled, and registration sends nothing', async () => {
    const server = await startTestServer({ MAIL_DISABLED: 'true' });
    try {
      const { token } = await registerAndLogin(server);
      const answers = [
        await server.client.POST(FORGOT, { body: { email: 'a@example.com' } }),
        await server.client.POST('/api/v1/users/password/reset', { body: { token: 'x'.repeat(43), new_password: NEW_PASSWORD } }),
        await server.client.POST('/api/v1/users/email/verify', { body: { token: 'x'.repeat(43) } }),
        await server.client.POST('/api/v1/users/me/email/verification', { headers: bearer(token) }),
        await server.client.POST('/api/v1/users/me/email', { headers: bearer(token), body: { new_email: uniqueEmail(), password: GOOD_PASSWORD } }),
      ];
      for (const answer of answers) {
        expect(answer.response.status).toBe(503);
        expect(answer.error?.code).toBe('mail_disabled');
      }
      const rows = await server.running.orm.em.getConnection().execute('select count(*) as n from mail_outbox');
      expect(Number(rows[0]?.n)).toBe(0);
    } finally {
      await server.stop();
    }
  });

  it('without SMTP_URL outside production each mail becomes an .eml file; the log names the file, never the link', async () => {
    const server = await startTestServer();
    try {
      await registerAccount(server);
      const dir = join(server.dir, 'mail');
      await waitUntil(async () => readdirSync(dir, { withFileTypes: true }).length > 0);
      const [file] = readdirSync(dir);
      const eml = await simpleParser(readFileSync(join(dir, file!)));
      expect(eml.subject).toBe('Confirm your email address');
      expect(eml.html).toContain('verify_token=');
      const token = /verify_token=([A-Za-z0-9_-]{43})/.exec(eml.text ?? '')?.[1];
      expect(token).toBeDefined();
      await waitUntil(async () => server.logs().includes(file!));
      const line = server.logs().split('\n').find((l) => l.includes(file!));
      expect(line).toContain('Confirm your email address');
      expect(server.logs()).not.toContain(token!);
    } finally {
      await server.stop();
    }
  });
});

async function metric(server: TestServer, outcome: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return Number(new RegExp(`auth_mail_total\\{outcome="${outcome}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
}

/** Polls real time for something the server does in the background (the sender loop). */
async function waitUntil(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet (e.g. the folder does not exist)
    }
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
