import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliLogin, EXIT, fileMode, parseJson, SLOW_TEST_MS, UNREACHABLE_URL, type CliSandbox } from './helpers/cli.js';
import { createAccount, loggedIn } from './helpers/cli-accounts.js';
import { GOOD_PASSWORD, startTestServer, type TestServer, uniqueEmail } from './helpers/server.js';
import { serverWithFreshSandboxes } from './helpers/cli-fixture.js';

// Which server authcli talks to (--base-url, AUTHCLI_BASE_URL, the default), and one stored login per server.

let server: TestServer;
let cli: CliSandbox;

serverWithFreshSandboxes({
  server: (started) => (server = started),
  cli: (sandbox) => (cli = sandbox),
});

describe('base URL and several servers', () => {
  let other: TestServer;
  beforeAll(async () => {
    other = await startTestServer();
  });
  afterAll(async () => {
    await other?.stop();
  });

  it('--base-url beats AUTHCLI_BASE_URL, before or after the command', async () => {
    const { email } = await createAccount(server);
    const env = { AUTHCLI_BASE_URL: UNREACHABLE_URL };
    expect((await cliLogin(cli, email, { args: ['--base-url', server.url], env })).code).toBe(EXIT.ok);
    const after = await cli.run(['me', '--base-url', server.url, '--json'], { env });
    expect(after.code, after.stderr).toBe(EXIT.ok);
    expect(parseJson(after.stdout)).toMatchObject({ email });
    const withoutFlag = await cli.run(['me'], { env });
    expect(withoutFlag.code).toBe(EXIT.notLoggedIn);
  });

  it('without flag or variable the server is http://127.0.0.1:8000', async () => {
    const result = await cli.run(['token'], { env: { AUTHCLI_BASE_URL: undefined } });
    expect(result.code).toBe(EXIT.notLoggedIn);
    expect(result.stderr).toContain('not logged in at http://127.0.0.1:8000');
  });

  it('spellings of one URL share one login', async () => {
    const { email } = await createAccount(server);
    expect((await cliLogin(cli, email, { args: ['--base-url', `${server.url.toUpperCase().replace('HTTP://', 'http://')}/`] })).code).toBe(EXIT.ok);
    const result = await cli.run(['me', '--json']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(parseJson(result.stdout)).toMatchObject({ email });
    expect(cli.credentialFiles()).toHaveLength(1);
  });

  it('keeps one login per server, used side by side', async () => {
    const here = await loggedIn(server, cli);
    const thereEmail = uniqueEmail('other');
    const registered = await cli.run(['--base-url', other.url, 'register', '--email', thereEmail, '--password-stdin'], { stdin: GOOD_PASSWORD });
    expect(registered.code, registered.stderr).toBe(EXIT.ok);
    expect((await cliLogin(cli, thereEmail, { args: ['--base-url', other.url] })).code).toBe(EXIT.ok);

    expect(cli.credentialFiles()).toHaveLength(2);
    for (const path of cli.credentialFiles()) expect(fileMode(path)).toBe(0o600);
    expect(parseJson((await cli.run(['me', '--json'])).stdout)).toMatchObject({ email: here.email });
    expect(parseJson((await cli.run(['--base-url', other.url, 'me', '--json'])).stdout)).toMatchObject({ email: thereEmail });

    expect((await cli.run(['--base-url', other.url, 'logout'])).code).toBe(EXIT.ok);
    expect(cli.credentialFiles()).toHaveLength(1);
    expect((await cli.run(['me'])).code).toBe(EXIT.ok);
  }, SLOW_TEST_MS);

  it('a stored login whose server has gone away exits 3 naming the URL; logout still forgets it', async () => {
    const gone = await startTestServer();
    const email = uniqueEmail('gone');
    await gone.client.POST('/api/v1/users/register', { body: { email, password: GOOD_PASSWORD } });
    expect((await cliLogin(cli, email, { args: ['--base-url', gone.url] })).code).toBe(EXIT.ok);
    await gone.stop();

    const me = await cli.run(['--base-url', gone.url, 'me']);
    expect(me.code).toBe(EXIT.unreachable);
    expect(me.stderr).toContain(`cannot reach the server at ${gone.url}`);
    const logout = await cli.run(['--base-url', gone.url, 'logout']);
    expect(logout.code).toBe(EXIT.unreachable);
    expect(logout.stderr).toContain('deleted all the same');
    expect(cli.credentialFiles()).toEqual([]);
  }, SLOW_TEST_MS);
});
