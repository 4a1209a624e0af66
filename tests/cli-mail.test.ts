import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliLogin, createCliSandbox, EXIT, parseJson, storedTokens } from './helpers/cli.js';
import { startSmtpServer, tokenIn, type TestSmtpServer } from './helpers/smtp.js';
import { bearer, GOOD_PASSWORD, registerAccount, startTestServer, uniqueEmail, type TestServer } from './helpers/server.js';

const NEW_PASSWORD = 'a new passphrase from the cli';

/** authcli as a child process against a real server and a real SMTP server; every token read from the mail. */
describe('authcli password forgot/reset, verify-email and email change', () => {
  let smtp: TestSmtpServer;
  let server: TestServer;
  beforeAll(async () => {
    smtp = await startSmtpServer();
    server = await startTestServer({ SMTP_URL: smtp.url, MAIL_ADDRESS_MAX_PER_HOUR: '100000' });
  });
  afterAll(async () => {
    await server?.stop();
    await smtp?.stop();
  });

  it('password forgot mails a link; password reset --token with --password-stdin logs in and ends the old sessions', async () => {
    const { email } = await registerAccount(server);
    const cli = createCliSandbox(server.url);
    try {
      expect((await cliLogin(cli, email)).code).toBe(EXIT.ok);
      const oldAccess = storedTokens(cli).accessToken;
      const forgot = await cli.run(['password', 'forgot', '--email', email]);
      expect(forgot.code, forgot.stderr).toBe(EXIT.ok);
      expect(forgot.stdout).toContain('a reset link is on its way');
      const mail = (await smtp.waitFor(email, 2)).find((m) => m.subject === 'Reset your password');
      const reset = await cli.run(['password', 'reset', '--token', tokenIn(mail!), '--password-stdin', '--json'], { stdin: `${NEW_PASSWORD}\n` });
      expect(reset.code, reset.stderr).toBe(EXIT.ok);
      expect(parseJson(reset.stdout)).toMatchObject({ password_reset: true, user: { email, email_verified: true } });
      expect((await server.client.GET('/api/v1/users/me', { headers: bearer(oldAccess) })).response.status).toBe(401);
      const me = await cli.run(['me']);
      expect(me.code, me.stderr).toBe(EXIT.ok);
      expect(me.stdout).toMatch(/email verified:\s+yes/);
      const again = await cli.run(['password', 'reset', '--token', tokenIn(mail!), '--password-stdin'], { stdin: 'yet another passphrase here\n' });
      expect(again.code).toBe(EXIT.generalError);
      expect(again.stderr).toContain('invalid_reset_token');
      expect((await cliLogin(cli, email, { password: GOOD_PASSWORD })).code).toBe(EXIT.generalError);
      expect((await cliLogin(cli, email, { password: NEW_PASSWORD })).code).toBe(EXIT.ok);
    } finally {
      cli.cleanup();
    }
  });

  it('verify-email --resend sends a new link; verify-email --token verifies; me shows it', async () => {
    const { email } = await registerAccount(server);
    const cli = createCliSandbox(server.url);
    try {
      expect((await cliLogin(cli, email)).code).toBe(EXIT.ok);
      expect((await cli.run(['me'])).stdout).toMatch(/email verified:\s+no/);
      const resend = await cli.run(['verify-email', '--resend']);
      expect(resend.code, resend.stderr).toBe(EXIT.ok);
      const [, second] = await smtp.waitFor(email, 2);
      const verified = await cli.run(['verify-email', '--token', tokenIn(second!), '--json']);
      expect(verified.code, verified.stderr).toBe(EXIT.ok);
      expect(parseJson(verified.stdout)).toMatchObject({ email, email_verified: true });
      expect((await cli.run(['me'])).stdout).toMatch(/email verified:\s+yes/);
      expect((await cli.run(['verify-email'])).code).toBe(EXIT.usage);
    } finally {
      cli.cleanup();
    }
  });

  it('email change --new-email (password from stdin), then verify-email --token with the link sent to the new address', async () => {
    const { email } = await registerAccount(server);
    const next = uniqueEmail('cli-moved');
    const cli = createCliSandbox(server.url);
    try {
      expect((await cliLogin(cli, email)).code).toBe(EXIT.ok);
      const wrong = await cli.run(['email', 'change', '--new-email', next, '--password-stdin'], { stdin: 'not the password\n' });
      expect(wrong.code).toBe(EXIT.generalError);
      const asked = await cli.run(['email', 'change', '--new-email', next, '--password-stdin'], { stdin: `${GOOD_PASSWORD}\n` });
      expect(asked.code, asked.stderr).toBe(EXIT.ok);
      const [confirm] = await smtp.waitFor(next);
      expect((await smtp.waitFor(email, 2)).map((m) => m.subject)).toContain('Your email address is about to change');
      const used = await cli.run(['verify-email', '--token', tokenIn(confirm!)]);
      expect(used.code, used.stderr).toBe(EXIT.ok);
      expect(used.stdout).toContain(next);
      expect((await cli.run(['me', '--json'])).stdout).toContain(next);
    } finally {
      cli.cleanup();
    }
  });
});
