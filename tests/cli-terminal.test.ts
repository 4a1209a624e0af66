import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ANSI_ESCAPE, EXIT, type CliSandbox } from './helpers/cli.js';
import { createAccount, loggedIn } from './helpers/cli-accounts.js';
import { GOOD_PASSWORD, type TestServer, uniqueEmail } from './helpers/server.js';
import { serverWithFreshSandboxes } from './helpers/cli-fixture.js';

// authcli under a pseudo-terminal: password prompts without echo, and colour unless NO_COLOR.

/** Preloaded into authcli: marks when echo goes off and when openapi-fetch loads. */
const TRACE_ECHO_AND_IMPORTS = fileURLToPath(new URL('./fixtures/trace-echo-and-imports.mjs', import.meta.url));

let server: TestServer;
let cli: CliSandbox;

serverWithFreshSandboxes({
  server: (started) => (server = started),
  cli: (sandbox) => (cli = sandbox),
});

describe('on a terminal', () => {
  it.each([
    ['login', false, (email: string) => ['login', '--email', email], [GOOD_PASSWORD]],
    ['register', false, (email: string) => ['register', '--email', `new-${email}`], [GOOD_PASSWORD, GOOD_PASSWORD]],
    ['passwd', true, () => ['passwd'], [GOOD_PASSWORD, 'a brand new horse battery', 'a brand new horse battery']],
    ['delete-account --yes', true, () => ['delete-account', '--yes'], [GOOD_PASSWORD]],
  ])('%s turns echo off before it loads the HTTP client, so nothing typed while it starts is shown', async (_command, logIn, args, answers) => {
    const { email } = logIn ? await loggedIn(server, cli) : await createAccount(server);
    const result = await cli.runInTerminal(args(email), { answers, env: { NODE_OPTIONS: `--import ${TRACE_ECHO_AND_IMPORTS}` } });
    expect(result.code, result.stdout).toBe(EXIT.ok);
    const echoOff = result.stdout.indexOf('[echo off]');
    expect(echoOff).toBeGreaterThanOrEqual(0);
    expect(result.stdout.indexOf('[openapi-fetch loaded]')).toBeGreaterThan(echoOff);
  });

  it('login asks for the password without echoing it', async () => {
    const { email } = await createAccount(server);
    const result = await cli.runInTerminal(['login', '--email', email], { answers: [GOOD_PASSWORD] });
    expect(result.code, result.stdout).toBe(EXIT.ok);
    expect(result.stdout).toContain('Password: ');
    expect(result.stdout).toContain(`logged in as:`);
    expect(result.stdout).not.toContain(GOOD_PASSWORD);
    expect(cli.credentialFiles()).toHaveLength(1);
  });

  it('register asks twice and refuses a mismatch with exit 2', async () => {
    const email = uniqueEmail('tty');
    const mismatch = await cli.runInTerminal(['register', '--email', email], { answers: [GOOD_PASSWORD, 'something else entirely'] });
    expect(mismatch.code).toBe(EXIT.usage);
    expect(mismatch.stdout).toContain('Repeat password: ');
    expect(mismatch.stdout).toContain('the passwords do not match');

    const matching = await cli.runInTerminal(['register', '--email', email, '--json'], { answers: [GOOD_PASSWORD, GOOD_PASSWORD] });
    expect(matching.code, matching.stdout).toBe(EXIT.ok);
    expect(matching.stdout).toContain(`"email": "${email}"`);
    expect(matching.stdout).not.toContain(GOOD_PASSWORD);
  });

  it('colours labels and errors, unless NO_COLOR is set', async () => {
    await loggedIn(server, cli);
    const coloured = await cli.runInTerminal(['me'], { answers: [] });
    expect(coloured.code).toBe(EXIT.ok);
    expect(coloured.stdout).toContain(`${ANSI_ESCAPE}1memail:`);
    const plain = await cli.runInTerminal(['me'], { answers: [], env: { NO_COLOR: '1' } });
    expect(plain.code).toBe(EXIT.ok);
    expect(plain.stdout).toContain('email:');
    expect(plain.stdout).not.toContain(ANSI_ESCAPE);
  });
});
