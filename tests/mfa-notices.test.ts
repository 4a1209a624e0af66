import { afterAll, beforeAll, expect, it } from 'vitest';
import { registerWithSecondFactor } from './helpers/mfa-flows.js';
import { bearer, startTestServer, type TestServer } from './helpers/server.js';
import { startSmtpServer, type TestSmtpServer } from './helpers/smtp.js';
import { testClock } from './helpers/clock.js';
import { codeAt, startOfTotpStep, TOTP_STEP_MS } from './helpers/totp.js';

// Adding or removing the second factor, or replacing the recovery codes, changes how the account is protected:
// the owner hears of it at the account's address, through a real SMTP server, whoever holds the session.
const clock = testClock({ frozenAt: startOfTotpStep() });
let smtp: TestSmtpServer;
let server: TestServer;
beforeAll(async () => {
  smtp = await startSmtpServer();
  server = await startTestServer({ SMTP_URL: smtp.url, MAIL_RETRY_BASE_SECONDS: '1', LOGIN_IP_MAX_FAILURES: '10000' }, { clock });
});
afterAll(async () => {
  await server?.stop();
  await smtp?.stop();
});

const subjectsTo = async (email: string, count: number) => (await smtp.waitFor(email, count)).map((mail) => mail.subject);

it('mails a notice when an app is added, when the recovery codes are replaced and when the app is removed', async () => {
  const { email, token, password, secret } = await registerWithSecondFactor(server, clock);
  // The verification mail of the registration, then the notice of the confirmed app.
  expect(await subjectsTo(email, 2)).toEqual(['Confirm your email address', 'An authenticator app was added to your account']);

  const replaced = await server.client.POST('/api/v1/users/me/mfa/recovery-codes', {
    headers: bearer(token),
    body: { password, code: await codeAt(secret, clock) },
  });
  expect(replaced.response.status).toBe(200);
  expect((await subjectsTo(email, 3))[2]).toBe('New recovery codes for your account');

  clock.advance(TOTP_STEP_MS);
  const removed = await server.client.DELETE('/api/v1/users/me/mfa/totp', { headers: bearer(token), body: { password, code: await codeAt(secret, clock) } });
  expect(removed.response.status).toBe(204);
  const mails = await smtp.waitFor(email, 4);
  expect(mails[3]?.subject).toBe('The authenticator app was removed from your account');
  // A notice carries no link: nothing in it logs anyone in.
  for (const mail of mails.slice(1)) {
    expect(mail.text).not.toMatch(/https?:\/\//);
    expect(mail.html).not.toContain('<a ');
  }
});

it('sends no notice for a refused attempt', async () => {
  const { email, token } = await registerWithSecondFactor(server, clock);
  await smtp.waitFor(email, 2);
  const refused = await server.client.DELETE('/api/v1/users/me/mfa/totp', { headers: bearer(token), body: { password: 'not the password at all', code: '000000' } });
  expect(refused.response.status).toBe(403);
  // A later mail to the same address shows the sender's queue was passed; only then count.
  await server.client.POST('/api/v1/users/password/forgot', { body: { email } });
  const mails = await smtp.waitFor(email, 3);
  expect(mails.map((mail) => mail.subject)).toEqual(['Confirm your email address', 'An authenticator app was added to your account', 'Reset your password']);
});
