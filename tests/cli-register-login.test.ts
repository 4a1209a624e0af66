import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { meStatus, refreshOutcome } from './helpers/auth-flows.js';
import { ANSI_ESCAPE, cliLogin, EXIT, fileMode, outputLines, parseJson, storedAccessToken, storedTokens, UNREACHABLE_URL, type CliSandbox } from './helpers/cli.js';
import { createAccount, loggedIn } from './helpers/cli-accounts.js';
import { bearer, GOOD_PASSWORD, type TestServer, uniqueEmail } from './helpers/server.js';
import { serverWithFreshSandboxes } from './helpers/cli-fixture.js';

// authcli register and login: what they print, what login stores and where, and a login over a stored one.

const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;

let server: TestServer;
let cli: CliSandbox;

serverWithFreshSandboxes({
  server: (started) => (server = started),
  cli: (sandbox) => (cli = sandbox),
});

describe('authcli register', () => {
  it('prints the created user as aligned key: value lines, without colour on a pipe', async () => {
    const email = uniqueEmail('register');
    const result = await cli.run(['register', '--email', email, '--full-name', 'Alice Example', '--password-stdin'], { stdin: `${GOOD_PASSWORD}\n` });
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(result.stderr).toBe('');
    const output = outputLines(result.stdout);
    expect(output).toContain(`email:     ${email}`);
    expect(output).toContain('full name: Alice Example');
    expect(output).toContain('role:      member');
    expect(output.find((line) => line.startsWith('id:'))).toMatch(/^id:\s{8}\d+$/);
    expect(result.stdout).not.toContain(ANSI_ESCAPE);
    // Registering does not log in.
    expect(cli.credentialFiles()).toEqual([]);
  });

  it('--json prints only the user, as the API returned it', async () => {
    const email = uniqueEmail('register');
    const result = await cli.run(['register', '--email', email, '--password-stdin', '--json'], { stdin: GOOD_PASSWORD });
    expect(result.code, result.stderr).toBe(EXIT.ok);
    const user = parseJson(result.stdout);
    expect(user).toMatchObject({ email, full_name: null, role: 'member' });
    expect(typeof user.id).toBe('number');
    expect(user).not.toHaveProperty('password');
    // The account really exists: it can log in.
    const { data } = await server.client.POST('/api/v1/users/login', { body: { email, password: GOOD_PASSWORD } });
    expect(data?.access_token).toMatch(JWT_SHAPE);
  });

  it('a taken email exits 1 with the server’s reason', async () => {
    const { email } = await createAccount(server);
    const result = await cli.run(['register', '--email', email, '--password-stdin'], { stdin: GOOD_PASSWORD });
    expect(result.code).toBe(EXIT.generalError);
    expect(result.stderr).toContain('error: An account with this email already exists. (409 email_taken)');
    expect(result.stdout).toBe('');
  });

  it('invalid fields exit 1 and list each field error as path: message', async () => {
    const result = await cli.run(['register', '--email', 'not-an-email', '--password-stdin'], { stdin: 'short' });
    expect(result.code).toBe(EXIT.generalError);
    expect(result.stderr).toContain('(422 validation_failed)');
    expect(result.stderr).toMatch(/^ {2}\/body\/email: .+$/m);
    expect(result.stderr).toMatch(/^ {2}\/body\/password: .+$/m);
    expect(result.stdout).toBe('');
  });

  it('an unreachable server exits 3 and names the URL', async () => {
    const url = UNREACHABLE_URL;
    const result = await cli.run(['--base-url', url, 'register', '--email', uniqueEmail(), '--password-stdin'], { stdin: GOOD_PASSWORD });
    expect(result.code).toBe(EXIT.unreachable);
    expect(result.stderr).toContain(`cannot reach the server at ${url} (connection refused)`);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('authcli login', () => {
  it('stores the credentials in a 0600 file inside a 0700 folder and says who is logged in', async () => {
    const { email, id } = await createAccount(server);
    const before = Date.now();
    const result = await cliLogin(cli, email);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(outputLines(result.stdout)).toEqual([`logged in as:  ${email}`, `server:        ${server.url}`, expect.stringMatching(/^token expires: \d{4}-\d\d-\d\d \d\d:\d\d UTC$/)]);

    expect(fileMode(cli.configDir)).toBe(0o700);
    const { path, content } = cli.readCredentials();
    expect(fileMode(path)).toBe(0o600);
    expect(content).toMatchObject({ base_url: server.url, user: { id, email }, token_type: 'bearer' });
    expect(content.access_token).toMatch(JWT_SHAPE);
    const expiresAt = Date.parse(String(content.access_token_expires_at));
    const ttl = server.config.jwt.accessTokenTtlSeconds * 1000;
    expect(expiresAt).toBeGreaterThanOrEqual(before + ttl - 1000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + ttl + 1000);
    // No temporary file is left behind by the atomic write.
    expect(cli.credentialFiles()).toHaveLength(1);
  });

  it('stores the refresh token exactly when the server issues one', async () => {
    const { email } = await createAccount(server);
    const api = await server.client.POST('/api/v1/users/login', { body: { email, password: GOOD_PASSWORD } });
    const serverIssuesRefreshTokens = api.data !== undefined && 'refresh_token' in api.data;
    expect((await cliLogin(cli, email)).code).toBe(EXIT.ok);
    const { content } = cli.readCredentials();
    expect('refresh_token' in content).toBe(serverIssuesRefreshTokens);
    if (serverIssuesRefreshTokens) expect(typeof content.refresh_token).toBe('string');
  });

  it('--json prints the server, the user and the expiry, and nothing else on stdout', async () => {
    const { email, id } = await createAccount(server);
    const result = await cli.run(['login', '--email', email, '--password-stdin', '--json'], { stdin: GOOD_PASSWORD });
    expect(result.code, result.stderr).toBe(EXIT.ok);
    const output = parseJson(result.stdout);
    expect(output).toMatchObject({ base_url: server.url, user: { id, email } });
    expect(Date.parse(String(output.access_token_expires_at))).toBeGreaterThan(Date.now());
    expect(result.stdout).not.toContain(storedAccessToken(cli));
  });

  it('a wrong password exits 1 with the server’s reason and stores nothing', async () => {
    const { email } = await createAccount(server);
    const result = await cliLogin(cli, email, { password: 'not the password' });
    expect(result.code).toBe(EXIT.generalError);
    expect(result.stderr).toContain('error: Incorrect email or password. (401 invalid_credentials)');
    expect(result.stdout).toBe('');
    expect(cli.credentialFiles()).toEqual([]);
  });

  it('tightens a config folder that already exists with looser permissions', async () => {
    mkdirSync(cli.configDir, { mode: 0o755 });
    expect(fileMode(cli.configDir)).toBe(0o755);
    await loggedIn(server, cli);
    expect(fileMode(cli.configDir)).toBe(0o700);
  });

  it('an unreachable server exits 3, names the URL and stores nothing', async () => {
    const url = UNREACHABLE_URL;
    const result = await cliLogin(cli, uniqueEmail(), { args: ['--base-url', url] });
    expect(result.code).toBe(EXIT.unreachable);
    expect(result.stderr).toContain(url);
    expect(cli.credentialFiles()).toEqual([]);
  });
});

describe('authcli login over a stored login', () => {
  it('as the same account ends the previous session on the server and says so', async () => {
    const { email } = await loggedIn(server, cli);
    const before = storedTokens(cli);
    const result = await cliLogin(cli, email);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(outputLines(result.stdout).at(-1)).toBe('previous session: ended on the server');
    expect(await meStatus(server, before.accessToken)).toBe(401);
    expect((await refreshOutcome(server, before.refreshToken)).status).toBe(401);
    expect(storedTokens(cli).refreshToken).not.toBe(before.refreshToken);
    expect(cli.credentialFiles()).toHaveLength(1);
  });

  it('as another account names the account it replaces; --json says it too', async () => {
    const first = await loggedIn(server, cli);
    const before = storedTokens(cli);
    const second = await createAccount(server);
    const result = await cli.run(['login', '--email', second.email, '--password-stdin', '--json'], { stdin: GOOD_PASSWORD });
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(parseJson(result.stdout)).toMatchObject({ user: { email: second.email }, replaced: { user: { id: first.id, email: first.email }, ended_on_server: true } });
    expect(await meStatus(server, before.accessToken)).toBe(401);

    const human = await cliLogin(cli, first.email);
    expect(outputLines(human.stdout).at(-1)).toBe(`replaced login of: ${second.email} (its session: ended on the server)`);
  });

  it('a previous session already over is said to be, and the new login is stored', async () => {
    const { email } = await loggedIn(server, cli);
    const before = storedTokens(cli);
    await server.client.POST('/api/v1/users/logout', { headers: bearer(before.accessToken) });
    const result = await cliLogin(cli, email);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(outputLines(result.stdout).at(-1)).toBe('previous session: already over');
    expect(storedTokens(cli).accessToken).not.toBe(before.accessToken);
  });

  it('a failed login leaves the previous one stored and its session alive', async () => {
    const { email } = await loggedIn(server, cli);
    const before = storedTokens(cli);
    expect((await cliLogin(cli, email, { password: 'not the password' })).code).toBe(EXIT.generalError);
    expect(storedTokens(cli).accessToken).toBe(before.accessToken);
    expect(await meStatus(server, before.accessToken)).toBe(200);
  });
});

describe('where credentials live', () => {
  it('uses $XDG_CONFIG_HOME/authcli when AUTHCLI_CONFIG_DIR is not set', async () => {
    const xdg = join(cli.home, 'xdg');
    const { email } = await createAccount(server);
    const result = await cliLogin(cli, email, { env: { AUTHCLI_CONFIG_DIR: undefined, XDG_CONFIG_HOME: xdg } });
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(fileMode(join(xdg, 'authcli'))).toBe(0o700);
    const me = await cli.run(['me', '--json'], { env: { AUTHCLI_CONFIG_DIR: undefined, XDG_CONFIG_HOME: xdg } });
    expect(parseJson(me.stdout)).toMatchObject({ email });
    expect(cli.credentialFiles()).toEqual([]);
  });

  it('falls back to ~/.config/authcli', async () => {
    const { email } = await createAccount(server);
    const env = { AUTHCLI_CONFIG_DIR: undefined, XDG_CONFIG_HOME: undefined };
    expect((await cliLogin(cli, email, { env })).code).toBe(EXIT.ok);
    expect(fileMode(join(cli.home, '.config', 'authcli'))).toBe(0o700);
    expect((await cli.run(['me'], { env })).code).toBe(EXIT.ok);
    expect(cli.credentialFiles()).toEqual([]);
  });
});
