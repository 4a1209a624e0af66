import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loginTokens, meStatus, refreshOutcome } from './helpers/auth-flows.js';
import { cliLogin, createCliSandbox, EXIT, expireStoredToken, fileMode, parseJson, resignedToken, outputLines, storedTokens, type CliResult, type CliSandbox } from './helpers/cli.js';
import { bearer, GOOD_PASSWORD, registerAccount, startTestServer, type TestServer, uniqueEmail } from './helpers/server.js';

const ANSI_ESCAPE = '\u001b[';
/** Preloaded into authcli: marks when echo goes off and when openapi-fetch loads. */
const TRACE_ECHO_AND_IMPORTS = fileURLToPath(new URL('./fixtures/trace-echo-and-imports.mjs', import.meta.url));
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;
/** For the tests that start many processes or a server of their own: a busy CI machine can take several times longer. */
const SLOW_TEST_MS = 90_000;

let server: TestServer;
let cli: CliSandbox;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});
beforeEach(() => {
  cli = createCliSandbox(server.url);
});
afterEach(() => {
  cli.cleanup();
});

/** An account created through the API, so tests of other commands do not depend on `authcli register`. */
function createAccount(options: { email?: string; fullName?: string } = {}): Promise<{ email: string; id: number }> {
  return registerAccount(server, { label: 'cli', ...options });
}

function login(email: string, options: { password?: string; args?: string[]; env?: Record<string, string | undefined> } = {}): Promise<CliResult> {
  return cliLogin(cli, email, options);
}

async function loggedIn(options: { fullName?: string } = {}): Promise<{ email: string; id: number }> {
  const account = await createAccount(options);
  const result = await login(account.email);
  expect(result.code, result.stderr).toBe(EXIT.ok);
  return account;
}

/**
 * A URL where nothing listens: port 9 (discard) is below the ephemeral range, so no server a test starts on port 0
 * can be handed it (a port taken and given back could be, by a test file running in parallel).
 */
async function unreachableUrl(): Promise<string> {
  return 'http://127.0.0.1:9';
}

function storedAccessToken(): string {
  const { content } = cli.readCredentials();
  if (typeof content.access_token !== 'string') throw new Error('no access_token stored');
  return content.access_token;
}


describe('help, version and usage errors', () => {
  it('--help lists the commands, examples and every exit code, on stdout', async () => {
    const result = await cli.run(['--help']);
    expect(result.code).toBe(EXIT.ok);
    expect(result.stderr).toBe('');
    for (const command of ['register', 'login', 'me', 'token', 'logout', 'passwd', 'profile', 'sessions', 'delete-account', 'admin']) {
      expect(result.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    }
    expect(result.stdout).toContain('Examples:');
    expect(result.stdout).toContain('curl -H "Authorization: Bearer $(authcli token)"');
    expect(result.stdout).toContain('--base-url <url>');
    for (const code of [0, 1, 2, 3, 4]) expect(result.stdout).toMatch(new RegExp(`^  ${code}  \\w`, 'm'));
  });

  it('each command has its own help with an example', async () => {
    for (const command of ['register', 'login', 'me', 'token', 'logout', 'passwd', 'profile', 'sessions', 'delete-account', 'admin']) {
      const result = await cli.run([command, '--help']);
      expect(result.code, command).toBe(EXIT.ok);
      expect(result.stdout, command).toContain(`Usage: authcli ${command}`);
      expect(result.stdout, command).toMatch(new RegExp(String.raw`^Examples:\n(  .*\n)*  .*\bauthcli (--\S+ \S+ )?${command}\b`, 'm'));
    }
  });

  it('--version prints the package version', async () => {
    const manifest: unknown = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    const version = typeof manifest === 'object' && manifest !== null && 'version' in manifest ? manifest.version : undefined;
    const result = await cli.run(['--version']);
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toBe(`${String(version)}\n`);
  });

  it.each([
    ['an unknown command', ['frobnicate'], "unknown command 'frobnicate'"],
    ['a missing --email', ['login', '--password-stdin'], "required option '--email <email>'"],
    ['a password given as an argument', ['login', '--email', 'a@example.com', '--password', 'hunter22'], "unknown option '--password'"],
    ['an extra argument', ['me', 'extra'], 'too many arguments'],
    ['a base URL that is not a URL', ['--base-url', 'not a url', 'me'], '--base-url "not a url" is not a URL'],
    ['a base URL that is not http', ['--base-url', 'ftp://example.com', 'me'], 'must start with http:// or https://'],
  ])('exits 2 on %s', async (_name, args, message) => {
    const result = await cli.run(args);
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain(`error: `);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stdout).toBe('');
  });

  it('exits 2 with the usage when no command is given', async () => {
    const result = await cli.run([]);
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain('Usage: authcli');
    expect(result.stdout).toBe('');
  });

  it.each([['login'], ['register']])('%s without a terminal and without --password-stdin exits 2 and explains --password-stdin', async (command) => {
    const result = await cli.run([command, '--email', uniqueEmail()], { stdin: `${GOOD_PASSWORD}\n` });
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain('--password-stdin');
    expect(result.stderr).toContain('no terminal');
    expect(cli.credentialFiles()).toEqual([]);
  });

  it('--password-stdin with nothing on standard input exits 2', async () => {
    const result = await cli.run(['login', '--email', uniqueEmail(), '--password-stdin'], { stdin: '' });
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain('standard input was empty');
  });
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
    const { email } = await createAccount();
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
    const url = await unreachableUrl();
    const result = await cli.run(['--base-url', url, 'register', '--email', uniqueEmail(), '--password-stdin'], { stdin: GOOD_PASSWORD });
    expect(result.code).toBe(EXIT.unreachable);
    expect(result.stderr).toContain(`cannot reach the server at ${url} (connection refused)`);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('authcli login', () => {
  it('stores the credentials in a 0600 file inside a 0700 folder and says who is logged in', async () => {
    const { email, id } = await createAccount();
    const before = Date.now();
    const result = await login(email);
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
    const { email } = await createAccount();
    const api = await server.client.POST('/api/v1/users/login', { body: { email, password: GOOD_PASSWORD } });
    const serverIssuesRefreshTokens = api.data !== undefined && 'refresh_token' in api.data;
    expect((await login(email)).code).toBe(EXIT.ok);
    const { content } = cli.readCredentials();
    expect('refresh_token' in content).toBe(serverIssuesRefreshTokens);
    if (serverIssuesRefreshTokens) expect(typeof content.refresh_token).toBe('string');
  });

  it('--json prints the server, the user and the expiry, and nothing else on stdout', async () => {
    const { email, id } = await createAccount();
    const result = await cli.run(['login', '--email', email, '--password-stdin', '--json'], { stdin: GOOD_PASSWORD });
    expect(result.code, result.stderr).toBe(EXIT.ok);
    const output = parseJson(result.stdout);
    expect(output).toMatchObject({ base_url: server.url, user: { id, email } });
    expect(Date.parse(String(output.access_token_expires_at))).toBeGreaterThan(Date.now());
    expect(result.stdout).not.toContain(storedAccessToken());
  });

  it('a wrong password exits 1 with the server’s reason and stores nothing', async () => {
    const { email } = await createAccount();
    const result = await login(email, { password: 'not the password' });
    expect(result.code).toBe(EXIT.generalError);
    expect(result.stderr).toContain('error: Incorrect email or password. (401 invalid_credentials)');
    expect(result.stdout).toBe('');
    expect(cli.credentialFiles()).toEqual([]);
  });

  it('tightens a config folder that already exists with looser permissions', async () => {
    mkdirSync(cli.configDir, { mode: 0o755 });
    expect(fileMode(cli.configDir)).toBe(0o755);
    await loggedIn();
    expect(fileMode(cli.configDir)).toBe(0o700);
  });

  it('an unreachable server exits 3, names the URL and stores nothing', async () => {
    const url = await unreachableUrl();
    const result = await login(uniqueEmail(), { args: ['--base-url', url] });
    expect(result.code).toBe(EXIT.unreachable);
    expect(result.stderr).toContain(url);
    expect(cli.credentialFiles()).toEqual([]);
  });
});

describe('authcli me', () => {
  it('prints the current user', async () => {
    const { email, id } = await loggedIn({ fullName: 'Bob Example' });
    const result = await cli.run(['me']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(outputLines(result.stdout).slice(0, 4)).toEqual([`id:             ${id}`, `email:          ${email}`, 'full name:      Bob Example', 'role:           member']);
    expect(outputLines(result.stdout).at(-1)).toBe('email verified: no');
    expect(result.stderr).toBe('');
  });

  it('--json prints the user exactly as GET /me returns it', async () => {
    await loggedIn();
    const result = await cli.run(['me', '--json']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    const { data } = await server.client.GET('/api/v1/users/me', { headers: bearer(storedAccessToken()) });
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
    await loggedIn();
    expireStoredToken(cli, { refresh_token: undefined });
    for (const command of ['me', 'token']) {
      const result = await cli.run([command]);
      expect(result.code, command).toBe(EXIT.notLoggedIn);
      expect(result.stderr, command).toContain(`not logged in at ${server.url}: the session expired at`);
      expect(result.stdout, command).toBe('');
    }
  });

  it('a token the server finds expired, with no refresh token to renew it, is "not logged in" (exit 4), not a server error', async () => {
    await loggedIn();
    const { path, content } = cli.readCredentials();
    delete content.refresh_token;
    const stored = storedAccessToken();
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
    const { email } = await loggedIn();
    const { path } = cli.readCredentials();
    writeFileSync(path, '{"version": 1, "access_to');
    const result = await cli.run(['me']);
    expect(result.code).toBe(EXIT.notLoggedIn);
    expect(result.stderr).toContain('cannot be read');
    expect((await login(email)).code).toBe(EXIT.ok);
    expect((await cli.run(['me'])).code).toBe(EXIT.ok);
  });
});

describe('authcli token', () => {
  it('prints the access token alone, usable in an Authorization header', async () => {
    const { email } = await loggedIn();
    const result = await cli.run(['token']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(result.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const response = await fetch(`${server.url}/api/v1/users/me`, { headers: { Authorization: `Bearer ${result.stdout.trim()}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ email });
  });

  it('--json prints the token, its type and its expiry', async () => {
    await loggedIn();
    const result = await cli.run(['token', '--json']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    const output = parseJson(result.stdout);
    expect(output).toMatchObject({ access_token: storedAccessToken(), token_type: 'bearer' });
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
    await loggedIn();
    const token = storedAccessToken();
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
    await loggedIn();
    const first = await cli.run(['logout', '--json']);
    expect(first.code, first.stderr).toBe(EXIT.ok);
    expect(parseJson(first.stdout)).toEqual({ base_url: server.url, logged_out: true, scope: 'current' });
    const second = await cli.run(['logout', '--json']);
    expect(parseJson(second.stdout)).toEqual({ base_url: server.url, logged_out: false, scope: 'current' });
  });

  it('still forgets a token the server already refuses', async () => {
    await loggedIn();
    const { path, content } = cli.readCredentials();
    cli.writeCredentials(path, { ...content, access_token: resignedToken(storedAccessToken(), Math.floor(Date.now() / 1000) - 60) });
    const result = await cli.run(['logout']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(cli.credentialFiles()).toEqual([]);
  });
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
    const { email } = await createAccount();
    const env = { AUTHCLI_BASE_URL: await unreachableUrl() };
    expect((await login(email, { args: ['--base-url', server.url], env })).code).toBe(EXIT.ok);
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
    const { email } = await createAccount();
    expect((await login(email, { args: ['--base-url', `${server.url.toUpperCase().replace('HTTP://', 'http://')}/`] })).code).toBe(EXIT.ok);
    const result = await cli.run(['me', '--json']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(parseJson(result.stdout)).toMatchObject({ email });
    expect(cli.credentialFiles()).toHaveLength(1);
  });

  it('keeps one login per server, used side by side', async () => {
    const here = await loggedIn();
    const thereEmail = uniqueEmail('other');
    const registered = await cli.run(['--base-url', other.url, 'register', '--email', thereEmail, '--password-stdin'], { stdin: GOOD_PASSWORD });
    expect(registered.code, registered.stderr).toBe(EXIT.ok);
    expect((await login(thereEmail, { args: ['--base-url', other.url] })).code).toBe(EXIT.ok);

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
    expect((await login(email, { args: ['--base-url', gone.url] })).code).toBe(EXIT.ok);
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

describe('which token is sent: --token, else AUTHCLI_TOKEN, else the stored login', () => {
  it('the flag beats the variable, which beats the stored login', async () => {
    const stored = await loggedIn();
    const fromEnv = await createAccount();
    const fromFlag = await createAccount();
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
    await loggedIn();
    const flag = await cli.run(['--token', 'not-a-token', 'me']);
    expect(flag.code).toBe(EXIT.notLoggedIn);
    expect(flag.stderr).toContain('error: the server does not accept the access token from --token');
    const env = await cli.run(['sessions'], { env: { AUTHCLI_TOKEN: 'not-a-token' } });
    expect(env.code).toBe(EXIT.notLoggedIn);
    expect(env.stderr).toContain('from AUTHCLI_TOKEN');
    expect((await cli.run(['me'])).code).toBe(EXIT.ok);
  });

  it('logout with a given token ends that token’s session and leaves the stored login alone', async () => {
    const { email } = await loggedIn();
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

describe('authcli login over a stored login', () => {
  it('as the same account ends the previous session on the server and says so', async () => {
    const { email } = await loggedIn();
    const before = storedTokens(cli);
    const result = await login(email);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(outputLines(result.stdout).at(-1)).toBe('previous session: ended on the server');
    expect(await meStatus(server, before.accessToken)).toBe(401);
    expect((await refreshOutcome(server, before.refreshToken)).status).toBe(401);
    expect(storedTokens(cli).refreshToken).not.toBe(before.refreshToken);
    expect(cli.credentialFiles()).toHaveLength(1);
  });

  it('as another account names the account it replaces; --json says it too', async () => {
    const first = await loggedIn();
    const before = storedTokens(cli);
    const second = await createAccount();
    const result = await cli.run(['login', '--email', second.email, '--password-stdin', '--json'], { stdin: GOOD_PASSWORD });
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(parseJson(result.stdout)).toMatchObject({ user: { email: second.email }, replaced: { user: { id: first.id, email: first.email }, ended_on_server: true } });
    expect(await meStatus(server, before.accessToken)).toBe(401);

    const human = await login(first.email);
    expect(outputLines(human.stdout).at(-1)).toBe(`replaced login of: ${second.email} (its session: ended on the server)`);
  });

  it('a previous session already over is said to be, and the new login is stored', async () => {
    const { email } = await loggedIn();
    const before = storedTokens(cli);
    await server.client.POST('/api/v1/users/logout', { headers: bearer(before.accessToken) });
    const result = await login(email);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(outputLines(result.stdout).at(-1)).toBe('previous session: already over');
    expect(storedTokens(cli).accessToken).not.toBe(before.accessToken);
  });

  it('a failed login leaves the previous one stored and its session alive', async () => {
    const { email } = await loggedIn();
    const before = storedTokens(cli);
    expect((await login(email, { password: 'not the password' })).code).toBe(EXIT.generalError);
    expect(storedTokens(cli).accessToken).toBe(before.accessToken);
    expect(await meStatus(server, before.accessToken)).toBe(200);
  });
});

describe('where credentials live', () => {
  it('uses $XDG_CONFIG_HOME/authcli when AUTHCLI_CONFIG_DIR is not set', async () => {
    const xdg = join(cli.home, 'xdg');
    const { email } = await createAccount();
    const result = await login(email, { env: { AUTHCLI_CONFIG_DIR: undefined, XDG_CONFIG_HOME: xdg } });
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(fileMode(join(xdg, 'authcli'))).toBe(0o700);
    const me = await cli.run(['me', '--json'], { env: { AUTHCLI_CONFIG_DIR: undefined, XDG_CONFIG_HOME: xdg } });
    expect(parseJson(me.stdout)).toMatchObject({ email });
    expect(cli.credentialFiles()).toEqual([]);
  });

  it('falls back to ~/.config/authcli', async () => {
    const { email } = await createAccount();
    const env = { AUTHCLI_CONFIG_DIR: undefined, XDG_CONFIG_HOME: undefined };
    expect((await login(email, { env })).code).toBe(EXIT.ok);
    expect(fileMode(join(cli.home, '.config', 'authcli'))).toBe(0o700);
    expect((await cli.run(['me'], { env })).code).toBe(EXIT.ok);
    expect(cli.credentialFiles()).toEqual([]);
  });
});

describe('on a terminal', () => {
  it.each([
    ['login', false, (email: string) => ['login', '--email', email], [GOOD_PASSWORD]],
    ['register', false, (email: string) => ['register', '--email', `new-${email}`], [GOOD_PASSWORD, GOOD_PASSWORD]],
    ['passwd', true, () => ['passwd'], [GOOD_PASSWORD, 'a brand new horse battery', 'a brand new horse battery']],
    ['delete-account --yes', true, () => ['delete-account', '--yes'], [GOOD_PASSWORD]],
  ])('%s turns echo off before it loads the HTTP client, so nothing typed while it starts is shown', async (_command, logIn, args, answers) => {
    const { email } = logIn ? await loggedIn() : await createAccount();
    const result = await cli.runInTerminal(args(email), { answers, env: { NODE_OPTIONS: `--import ${TRACE_ECHO_AND_IMPORTS}` } });
    expect(result.code, result.stdout).toBe(EXIT.ok);
    const echoOff = result.stdout.indexOf('[echo off]');
    expect(echoOff).toBeGreaterThanOrEqual(0);
    expect(result.stdout.indexOf('[openapi-fetch loaded]')).toBeGreaterThan(echoOff);
  });

  it('login asks for the password without echoing it', async () => {
    const { email } = await createAccount();
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
    await loggedIn();
    const coloured = await cli.runInTerminal(['me'], { answers: [] });
    expect(coloured.code).toBe(EXIT.ok);
    expect(coloured.stdout).toContain(`${ANSI_ESCAPE}1memail:`);
    const plain = await cli.runInTerminal(['me'], { answers: [], env: { NO_COLOR: '1' } });
    expect(plain.code).toBe(EXIT.ok);
    expect(plain.stdout).toContain('email:');
    expect(plain.stdout).not.toContain(ANSI_ESCAPE);
  });
});

describe('answers that are not from the API', () => {
  it('a proxy’s HTML error page exits 1 with the status; a redirect names its target', async () => {
    const proxy = createHttpServer((request, response) => {
      if (request.url?.endsWith('/login')) {
        response.writeHead(502, 'Bad Gateway', { 'Content-Type': 'text/html' }).end('<html><body>502 Bad Gateway</body></html>');
      } else {
        response.writeHead(301, { Location: 'https://auth.example.com/api/v1/users/register' }).end();
      }
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const address = proxy.address();
    const url = address !== null && typeof address === 'object' ? `http://127.0.0.1:${address.port}` : '';
    try {
      const gateway = await login(uniqueEmail(), { args: ['--base-url', url] });
      expect(gateway.code).toBe(EXIT.generalError);
      expect(gateway.stderr).toBe('error: the server answered 502 Bad Gateway\n');
      const moved = await cli.run(['--base-url', url, 'register', '--email', uniqueEmail(), '--password-stdin'], { stdin: GOOD_PASSWORD });
      expect(moved.code).toBe(EXIT.generalError);
      expect(moved.stderr).toContain('It redirects to https://auth.example.com/api/v1/users/register; is --base-url right?');
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});

describe('failures never leak', () => {
  it('passwords appear in no output and in no file, even with AUTHCLI_DEBUG', async () => {
    const password = 'Distinctive-Secret-9f3a-Passphrase';
    const wrong = 'Another-Distinctive-Secret-77c1';
    const email = uniqueEmail('secret');
    const env = { AUTHCLI_DEBUG: '1' };
    const results = [
      await cli.run(['register', '--email', email, '--password-stdin'], { stdin: password, env }),
      await cli.run(['register', '--email', email, '--password-stdin'], { stdin: password, env }),
      await cli.run(['register', '--email', 'bad', '--password-stdin'], { stdin: password, env }),
      await cli.run(['login', '--email', email, '--password-stdin'], { stdin: wrong, env }),
      await cli.run(['login', '--email', email, '--password-stdin', '--json'], { stdin: password, env }),
      await cli.run(['me', '--json'], { env }),
      await cli.run(['token'], { env }),
      await cli.run(['--base-url', await unreachableUrl(), 'login', '--email', email, '--password-stdin'], { stdin: password, env }),
    ];
    expect(results.map((result) => result.code)).toEqual([0, 1, 1, 1, 0, 0, 0, 3]);
    for (const { stdout, stderr } of results) {
      for (const secret of [password, wrong]) {
        expect(stdout).not.toContain(secret);
        expect(stderr).not.toContain(secret);
      }
    }
    expect(readFileSync(cli.readCredentials().path, 'utf8')).not.toContain(password);
  }, SLOW_TEST_MS);

  it('an unexpected failure prints one line and exits 1; AUTHCLI_DEBUG=1 adds the stack', async () => {
    const { email } = await createAccount();
    // A file where the config folder should be: creating the folder fails in a way no command expects.
    writeFileSync(join(cli.home, 'not-a-folder'), '');
    const env = { AUTHCLI_CONFIG_DIR: join(cli.home, 'not-a-folder') };
    const quiet = await login(email, { env });
    expect(quiet.code).toBe(EXIT.generalError);
    expect(outputLines(quiet.stderr)).toEqual([expect.stringMatching(/^error: unexpected error: .*\(set AUTHCLI_DEBUG=1 to see the stack\)$/)]);
    expect(quiet.stdout).toBe('');

    const debug = await login(email, { env: { ...env, AUTHCLI_DEBUG: '1' } });
    expect(debug.code).toBe(EXIT.generalError);
    expect(debug.stderr).toMatch(/^\s+at .+credentials\.js/m);
  });
});
