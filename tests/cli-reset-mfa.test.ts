import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliSandbox, EXIT, type CliSandbox } from './helpers/cli.js';
import { registerWithSecondFactor } from './helpers/mfa-flows.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { startSmtpServer, tokenIn, type TestSmtpServer } from './helpers/smtp.js';
import { payloadOf } from './helpers/tokens.js';
import { testClock } from './helpers/clock.js';
import { codeAt, startOfTotpStep } from './helpers/totp.js';

const NEW_PASSWORD = 'a new passphrase from the cli';

/** `authcli password reset` for an account with an authenticator app: the built binary, a real server and SMTP. */
describe('authcli password reset with a second factor', () => {
  const clock = testClock({ frozenAt: startOfTotpStep() });
  let smtp: TestSmtpServer;
  let server: TestServer;
  const sandboxes: CliSandbox[] = [];
  beforeAll(async () => {
    smtp = await startSmtpServer();
    server = await startTestServer({ SMTP_URL: smtp.url, MAIL_ADDRESS_MAX_PER_HOUR: '100000', LOGIN_IP_MAX_FAILURES: '10000' }, { clock });
  });
  afterAll(async () => {
    for (const cli of sandboxes) cli.cleanup();
    await server?.stop();
    await smtp?.stop();
  });

  function sandbox(): CliSandbox {
    const cli = createCliSandbox(server.url);
    sandboxes.push(cli);
    return cli;
  }

  /** An account with an app, and the token of a reset link mailed to it. */
  async function accountWithLink() {
    const account = await registerWithSecondFactor(server, clock);
    expect((await sandbox().run(['password', 'forgot', '--email', account.email])).code).toBe(EXIT.ok);
    for (let count = 1; ; count += 1) {
      const mail = (await smtp.waitFor(account.email, count)).find((received) => received.subject === 'Reset your password');
      if (mail) return { ...account, link: tokenIn(mail) };
    }
  }

  const passwordStatus = async (email: string, password: string) =>
    (await server.client.POST('/api/v1/users/login', { body: { email, password } })).error?.code;

  it('in a script: without a code it says which flag to add and changes nothing; a wrong --code is refused; --code resets with amr pwd+otp', async () => {
    const { email, password, secret, link } = await accountWithLink();
    const reset = (extra: string[]) => sandbox().run(['password', 'reset', '--token', link, '--password-stdin', ...extra], { stdin: `${NEW_PASSWORD}\n` });

    const noCode = await reset([]);
    expect(noCode.code).toBe(EXIT.usage);
    expect(noCode.stderr).toContain('This account has an authenticator app: send a code from it, or a recovery code, with the new password.');
    expect(noCode.stderr).toContain('--code <6 digits> or --recovery-code <code>');
    expect(await passwordStatus(email, password)).toBe('mfa_required');

    const right = await codeAt(secret, clock);
    const wrong = await reset(['--code', right === '000000' ? '111111' : '000000']);
    expect(wrong.code).toBe(EXIT.generalError);
    expect(wrong.stderr).toContain('invalid_mfa_code');
    expect((await reset(['--code', right, '--recovery-code', 'abcd-efgh'])).code).toBe(EXIT.usage);

    const cli = sandbox();
    const done = await cli.run(['password', 'reset', '--token', link, '--password-stdin', '--code', right], { stdin: `${NEW_PASSWORD}\n` });
    expect(done.code, done.stderr).toBe(EXIT.ok);
    expect(payloadOf(String(cli.readCredentials().content.access_token)).amr).toEqual(['pwd', 'otp']);
    expect(await passwordStatus(email, password)).toBe('invalid_credentials');
  });

  it('--recovery-code resets and spends the code', async () => {
    const { recoveryCodes, link } = await accountWithLink();
    const cli = sandbox();
    const done = await cli.run(['password', 'reset', '--token', link, '--password-stdin', '--recovery-code', recoveryCodes[0] ?? '', '--json'], { stdin: `${NEW_PASSWORD}\n` });
    expect(done.code, done.stderr).toBe(EXIT.ok);
    const status = await cli.run(['mfa', 'status', '--json']);
    expect(status.stdout).toMatch(/"recovery_codes_remaining":\s*9/);
  });

  it('on a terminal: asks for the new password twice, then for the code (not echoed) when the server wants one', async () => {
    const { link, secret } = await accountWithLink();
    const code = await codeAt(secret, clock);
    const result = await sandbox().runInTerminal(['password', 'reset', '--token', link], { answers: [NEW_PASSWORD, NEW_PASSWORD, code] });
    expect(result.code, result.stdout).toBe(EXIT.ok);
    expect(result.stdout).toMatch(/authenticator app/);
    expect(result.stdout).toMatch(/password reset for/);
    expect(result.stdout).not.toContain(code);
    expect(result.stdout).not.toContain(NEW_PASSWORD);
  });
});
