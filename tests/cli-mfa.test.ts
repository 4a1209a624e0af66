import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { AUTHCLI_BIN, cliLogin, createCliSandbox, EXIT, parseJson, shellCommand, type CliSandbox } from './helpers/cli.js';
import { payloadOf } from './helpers/tokens.js';
import { GOOD_PASSWORD, registerAccount, startTestServer, type TestServer } from './helpers/server.js';
import { testClock } from './helpers/clock.js';
import { codeAt, startOfTotpStep, TOTP_STEP_MS } from './helpers/totp.js';

// `authcli mfa …` and `authcli login` with a second factor, run as the built binary against a server whose clock
// the test moves; every code is computed from the secret `mfa enable` printed.
const clock = testClock({ frozenAt: startOfTotpStep() });
let server: TestServer;
const sandboxes: CliSandbox[] = [];
function sandbox(): CliSandbox {
  const cli = createCliSandbox(server.url);
  sandboxes.push(cli);
  return cli;
}
beforeAll(async () => {
  server = await startTestServer({ LOGIN_IP_MAX_FAILURES: '10000' }, { clock });
});
afterEach(() => {
  for (const cli of sandboxes.splice(0)) cli.cleanup();
});
afterAll(() => server?.stop());

function recoveryCodesOf(stdout: string): string[] {
  const codes = parseJson(stdout).recovery_codes;
  if (!Array.isArray(codes)) throw new Error(`no recovery codes in ${stdout}`);
  return codes.map(String);
}

/** Registers, logs in with authcli, enables and confirms an app; the secret and codes as the CLI printed them. */
async function enrolWithCli(cli: CliSandbox) {
  const { email } = await registerAccount(server);
  expect((await cliLogin(cli, email)).code).toBe(EXIT.ok);
  const enabled = await cli.run(['mfa', 'enable', '--password-stdin', '--json'], { stdin: `${GOOD_PASSWORD}\n` });
  expect(enabled.code, enabled.stderr).toBe(EXIT.ok);
  const secret = String(parseJson(enabled.stdout).secret);
  const confirmed = await cli.run(['mfa', 'confirm', '--code', await codeAt(secret, clock), '--json']);
  expect(confirmed.code, confirmed.stderr).toBe(EXIT.ok);
  const recoveryCodes = recoveryCodesOf(confirmed.stdout);
  clock.advance(TOTP_STEP_MS);
  return { email, secret, recoveryCodes };
}

describe('authcli mfa', () => {
  it('enable shows the QR code as text and the secret; confirm prints ten recovery codes; status says enabled', async () => {
    const cli = sandbox();
    const { email } = await registerAccount(server);
    await cliLogin(cli, email);
    const enabled = await cli.run(['mfa', 'enable', '--password-stdin'], { stdin: `${GOOD_PASSWORD}\n` });
    expect(enabled.code, enabled.stderr).toBe(EXIT.ok);
    expect(enabled.stdout).toMatch(/[█▀▄]{7}/);
    const secret = /secret:\s+([A-Z2-7 ]+)\n/.exec(enabled.stdout)?.[1]?.replaceAll(' ', '') ?? '';
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(enabled.stdout).toContain('authcli mfa confirm --code');
    const confirmed = await cli.run(['mfa', 'confirm', '--code', await codeAt(secret, clock)]);
    expect(confirmed.code, confirmed.stderr).toBe(EXIT.ok);
    expect(confirmed.stdout.match(/^ {2}[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}$/gm)).toHaveLength(10);
    const status = await cli.run(['mfa', 'status', '--json']);
    expect(parseJson(status.stdout)).toEqual({ totp: 'enabled', recovery_codes_remaining: 10 });
  });

  it('enable on a terminal: the QR code and secret, then it asks for a code (not echoed) and prints the recovery codes', async () => {
    const cli = sandbox();
    const { email } = await registerAccount(server);
    await cliLogin(cli, email);
    let typedCode = '';
    // Under a pseudo-terminal; the code is computed from the secret the command has just printed, as a person would.
    const result = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const child = spawn('script', ['--quiet', '--return', '--flush', '--command', shellCommand([process.execPath, AUTHCLI_BIN, 'mfa', 'enable']), '/dev/null'], { env: cli.env });
      let output = '';
      let answered = 0;
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
        const pending = output.slice(answered);
        if (/Password: $/.test(pending)) {
          answered = output.length;
          child.stdin.write(`${GOOD_PASSWORD}\r`);
        } else if (/recovery code\): $/.test(pending)) {
          answered = output.length;
          // eslint-disable-next-line no-control-regex -- the bold label under a terminal
          const secret = /secret:(?:\u001b\[[0-9;]*m)?\s+([A-Z2-7 ]+)\r?\n/.exec(output)?.[1]?.replaceAll(' ', '') ?? '';
          void codeAt(secret, clock).then((code) => {
            typedCode = code;
            child.stdin.write(`${code}\r`);
          });
        }
      });
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, output });
      });
    });
    expect(result.code, result.output).toBe(EXIT.ok);
    expect(result.output).toMatch(/[█▀▄]{7}/);
    expect(typedCode).toMatch(/^\d{6}$/);
    expect(result.output).not.toContain(typedCode);
    expect(result.output.match(/[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}/g)).toHaveLength(10);
    clock.advance(TOTP_STEP_MS);
  });

  it('login asks for the code: --code logs in with amr pwd+otp; the same code again and a code from two steps ago are refused', async () => {
    const { email, secret } = await enrolWithCli(sandbox());
    const noCode = await cliLogin(sandbox(), email);
    expect(noCode.code).toBe(EXIT.usage);
    expect(noCode.stderr).toMatch(/--code/);

    const code = await codeAt(secret, clock);
    const first = sandbox();
    const loggedIn = await first.run(['login', '--email', email, '--password-stdin', '--code', code], { stdin: `${GOOD_PASSWORD}\n` });
    expect(loggedIn.code, loggedIn.stderr).toBe(EXIT.ok);
    expect(payloadOf(String(first.readCredentials().content.access_token)).amr).toEqual(['pwd', 'otp']);

    const replay = await sandbox().run(['login', '--email', email, '--password-stdin', '--code', code], { stdin: `${GOOD_PASSWORD}\n` });
    expect(replay.code).toBe(EXIT.generalError);
    expect(replay.stderr).toContain('invalid_mfa_code');

    clock.advance(2 * TOTP_STEP_MS);
    const old = await sandbox().run(['login', '--email', email, '--password-stdin', '--code', await codeAt(secret, clock, -60)], { stdin: `${GOOD_PASSWORD}\n` });
    expect(old.code).toBe(EXIT.generalError);
    expect(old.stderr).toContain('invalid_mfa_code');
  });

  it('login on a terminal asks for the code without echoing it', async () => {
    const { email, secret } = await enrolWithCli(sandbox());
    const code = await codeAt(secret, clock);
    const cli = sandbox();
    const result = await cli.runInTerminal(['login', '--email', email], { answers: [GOOD_PASSWORD, code] });
    expect(result.code, result.stdout).toBe(EXIT.ok);
    expect(result.stdout).toMatch(/authenticator app/);
    expect(result.stdout).not.toContain(code);
    expect(result.stdout).not.toContain(GOOD_PASSWORD);
  });

  it('a recovery code logs in once; recovery-codes replaces them; disable removes the app', async () => {
    const owner = sandbox();
    const { email, secret, recoveryCodes } = await enrolWithCli(owner);
    const recovery = recoveryCodes[0] ?? '';
    const first = await sandbox().run(['login', '--email', email, '--password-stdin', '--recovery-code', recovery], { stdin: `${GOOD_PASSWORD}\n` });
    expect(first.code, first.stderr).toBe(EXIT.ok);
    const second = await sandbox().run(['login', '--email', email, '--password-stdin', '--recovery-code', recovery], { stdin: `${GOOD_PASSWORD}\n` });
    expect(second.code).toBe(EXIT.generalError);

    const renewed = await owner.run(['mfa', 'recovery-codes', '--password-stdin', '--code', await codeAt(secret, clock), '--json'], { stdin: `${GOOD_PASSWORD}\n` });
    expect(renewed.code, renewed.stderr).toBe(EXIT.ok);
    expect(recoveryCodesOf(renewed.stdout)).toHaveLength(10);
    clock.advance(TOTP_STEP_MS);

    const disabled = await owner.run(['mfa', 'disable', '--password-stdin', '--code', await codeAt(secret, clock)], { stdin: `${GOOD_PASSWORD}\n` });
    expect(disabled.code, disabled.stderr).toBe(EXIT.ok);
    const plain = await cliLogin(sandbox(), email);
    expect(plain.code, plain.stderr).toBe(EXIT.ok);
  });
});
