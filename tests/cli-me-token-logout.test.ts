import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loginTokens, meStatus } from './helpers/auth-flows.js';
import { cliLogin, EXIT, expireStoredToken, outputLines, parseJson, resignedToken, storedAccessToken, type CliSandbox } from './helpers/cli.js';
import { createAccount, loggedIn } from './helpers/cli-accounts.js';
import { bearer, GOOD_PASSWORD, type TestServer } from './helpers/server.js';
import { serverWithFreshSandboxes } from './helpers/cli-fixture.js';

// authcli me, token and logout with a stored login, and which token they send: --token, else AUTHCLI_TOKEN, else the stored login.

let server: TestServer;
let cli: CliSandbox;

serverWithFreshSandboxes({
  server: (started) => (server = started),
  cli: (sandbox) => (cli = sandbox),
});

describe('authcli me', () => {
  it('prints the current user', async () => {
    const { email, id } = await loggedIn(server, cli, { fullName: 'Bob Example' });
    const result = await cli.run(['me']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(outputLines(result.stdout).slice(0, 4)).toEqual([`id:             ${id}`, `email:          ${email}`, 'full name:      Bob Example', 'role:           member']);
    expect(outputLines(result.stdout).at(-1)).toBe('email verified: no');
    expect(result.stderr).toBe('');
  });

  it('--json prints the user exactly as GET /me returns it', async () => {
    await loggedIn(server, cli);
    const result = await cli.run(['me', '--json']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    const { data } = await server.client.GET('/api/v1/users/me', { headers: bearer(storedAccessToken(cli)) });
    expect(parseJson(result.stdout)).toEqual(data);
  });

  it('exits 4 when not logged in, and says to run authcli login', async () => {
    const result = await cli.run(['me']);
    expect(result.code).toBe(EXIT.notLoggedIn);
    expect(result.stderr).toContain(`error: not logged in at ${server.url}`);
    expect(result.stderr).toContain('authcli login');
    expect(result.stdout).toBe('');
  });

  it('a token past its stored expiry, with no refresh token to renew it, is "not logged in" (exit 4), not a server error', async () => {
    await loggedIn(server, cli);
    expireStoredToken(cli, { refresh_token: undefined });
    for (const command of ['me', 'token']) {
      const result = await cli.run([command]);
      expect(result.code, command).toBe(EXIT.notLoggedIn);
      expect(result.stderr, command).toContain(`not logged in at ${server.url}: the session expired at`);
      expect(result.stdout, command).toBe('');
    }
  });

  it('a token the server finds expired, with no refresh token to renew it, is "not logged in" (exit 4), not a server error', async () => {
    await loggedIn(server, cli);
    const { path, content } = cli.readCredentials();
    delete content.refresh_token;
    const stored = storedAccessToken(cli);
    const now = Math.floor(Date.now() / 1000);
    // The re-signed token is accepted while it is live, so the 401 below is about expiry alone.
    const live = await server.client.GET('/api/v1/users/me', { headers: bearer(resignedToken(stored, now + 600)) });
    expect(live.response.status).toBe(200);

    cli.writeCredentials(path, { ...content, access_token: resignedToken(stored, now - 60) });
    const result = await cli.run(['me']);
    expect(result.code).toBe(EXIT.notLoggedIn);
    expect(result.stderr).toContain(`not logged in at ${server.url}: the server no longer accepts the stored token`);
    expect(result.stderr).toContain('authcli login');
    expect(result.stdout).toBe('');
  });

  it('a damaged credentials file is "not logged in" (exit 4), and login replaces it', async () => {
    const { email } = await loggedIn(server, cli);
    const { path } = cli.readCredentials();
    writeFileSync(path, '{"version": 1, "access_to');
    const result = await cli.run(['me']);
    expect(result.code).toBe(EXIT.notLoggedIn);
    expect(result.stderr).toContain('cannot be read');
    expect((await cliLogin(cli, email)).code).toBe(EXIT.ok);
    expect((await cli.run(['me'])).code).toBe(EXIT.ok);
  });
});

describe('authcli token', () => {
  it('prints the access token alone, usable in an Authorization header', async () => {
    const { email } = await loggedIn(server, cli);
    const result = await cli.run(['token']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(result.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const response = await fetch(`${server.url}/api/v1/users/me`, { headers: { Authorization: `Bearer ${result.stdout.trim()}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ email });
  });

  it('--json prints the token, its type and its expiry', async () => {
    await loggedIn(server, cli);
    const result = await cli.run(['token', '--json']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    const output = parseJson(result.stdout);
    expect(output).toMatchObject({ access_token: storedAccessToken(cli), token_type: 'bearer' });
    expect(Date.parse(String(output.expires_at))).toBeGreaterThan(Date.now());
  });

  it('exits 4 with nothing on stdout when not logged in, so $(authcli token) cannot send garbage', async () => {
    const result = await cli.run(['token']);
    expect(result.code).toBe(EXIT.notLoggedIn);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('authcli login');
  });
});

describe('authcli logout', () => {
  it('forgets the stored credentials and ends the session on the server', async () => {
    await loggedIn(server, cli);
    const token = storedAccessToken(cli);
    const result = await cli.run(['logout']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(result.stdout).toBe(`Logged out of ${server.url}.\n`);
    expect(cli.credentialFiles()).toEqual([]);
    expect((await cli.run(['me'])).code).toBe(EXIT.notLoggedIn);
    // POST /logout revoked the session: the old token no longer works anywhere.
    const { response } = await server.client.GET('/api/v1/users/me', { headers: bearer(token) });
    expect(response.status).toBe(401);
  });

  it('succeeds with nothing to do when not logged in', async () => {
    const result = await cli.run(['logout']);
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toBe(`Not logged in at ${server.url}; nothing to do.\n`);
  });

  it('--json says whether there was a session to end', async () => {
    await loggedIn(server, cli);
    const first = await cli.run(['logout', '--json']);
    expect(first.code, first.stderr).toBe(EXIT.ok);
    expect(parseJson(first.stdout)).toEqual({ base_url: server.url, logged_out: true, scope: 'current' });
    const second = await cli.run(['logout', '--json']);
    expect(parseJson(second.stdout)).toEqual({ base_url: server.url, logged_out: false, scope: 'current' });
  });

  it('still forgets a token the server already refuses', async () => {
    await loggedIn(server, cli);
    const { path, content } = cli.readCredentials();
    cli.writeCredentials(path, { ...content, access_token: resignedToken(storedAccessToken(cli), Math.floor(Date.now() / 1000) - 60) });
    const result = await cli.run(['logout']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(cli.credentialFiles()).toEqual([]);
  });
});

describe('which token is sent: --token, else AUTHCLI_TOKEN, else the stored login', () => {
  it('the flag beats the variable, which beats the stored login', async () => {
    const stored = await loggedIn(server, cli);
    const fromEnv = await createAccount(server);
    const fromFlag = await createAccount(server);
    const envToken = (await loginTokens(server, fromEnv.email, GOOD_PASSWORD)).access_token;
    const flagToken = (await loginTokens(server, fromFlag.email, GOOD_PASSWORD)).access_token;

    const whoAmI = async (args: string[], env: Record<string, string> = {}) => parseJson((await cli.run([...args, 'me', '--json'], { env })).stdout).email;
    expect(await whoAmI([])).toBe(stored.email);
    expect(await whoAmI([], { AUTHCLI_TOKEN: envToken })).toBe(fromEnv.email);
    expect(await whoAmI(['--token', flagToken], { AUTHCLI_TOKEN: envToken })).toBe(fromFlag.email);
    // After the command, as --base-url may be.
    expect(parseJson((await cli.run(['me', '--json', '--token', flagToken])).stdout).email).toBe(fromFlag.email);

    const printed = await cli.run(['token'], { env: { AUTHCLI_TOKEN: envToken } });
    expect(printed.stdout).toBe(`${envToken}\n`);
    // A given token never touches the stored login.
    expect(cli.readCredentials().content).toMatchObject({ user: { email: stored.email } });
  });

  it('a token the server refuses exits 4 naming where it came from, and the stored login stays', async () => {
    await loggedIn(server, cli);
    const flag = await cli.run(['--token', 'not-a-token', 'me']);
    expect(flag.code).toBe(EXIT.notLoggedIn);
    expect(flag.stderr).toContain('error: the server does not accept the access token from --token');
    const env = await cli.run(['sessions'], { env: { AUTHCLI_TOKEN: 'not-a-token' } });
    expect(env.code).toBe(EXIT.notLoggedIn);
    expect(env.stderr).toContain('from AUTHCLI_TOKEN');
    expect((await cli.run(['me'])).code).toBe(EXIT.ok);
  });

  it('logout with a given token ends that token’s session and leaves the stored login alone', async () => {
    const { email } = await loggedIn(server, cli);
    const other = await loginTokens(server, email, GOOD_PASSWORD);
    const result = await cli.run(['logout', '--json'], { env: { AUTHCLI_TOKEN: other.access_token } });
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(parseJson(result.stdout)).toEqual({ base_url: server.url, logged_out: true, scope: 'current' });
    expect(await meStatus(server, other.access_token)).toBe(401);
    expect((await cli.run(['me'])).code).toBe(EXIT.ok);
  });

  it('--help says the order', async () => {
    const result = await cli.run(['--help']);
    expect(result.stdout).toContain('--token <token>');
    expect(result.stdout).toContain('--token <token>, else $AUTHCLI_TOKEN, else the');
  });
});
