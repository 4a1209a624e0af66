import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loginTokens, meStatus, refreshOutcome, sessionIdOf } from './helpers/auth-flows.js';
import {
  cliLogin,
  createCliSandbox,
  EXIT,
  expireStoredToken,
  parseJson,
  resignedToken,
  storedTokens,
  type CliSandbox,
  outputLines,
} from './helpers/cli.js';
import { readVersion } from '../cli/version.js';
import { runSql } from './helpers/db.js';
import { hasNginx, startNginx } from './helpers/nginx.js';
import { startRelay } from './helpers/relay.js';
import { bearer, GOOD_PASSWORD, registerAccount, startTestServer, type TestServer, uniqueEmail } from './helpers/server.js';

const NEW_PASSWORD = 'a brand new horse battery';
const SLOW_TEST_MS = 90_000;
const CHROME_ON_LINUX = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';
const VERSION = readVersion();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

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

/** An account created through the API and logged in with `authcli login`. */
async function loggedIn(options: { fullName?: string } = {}): Promise<{ email: string; id: number }> {
  const { email, id } = await registerAccount(server, { label: 'cli-sessions', fullName: options.fullName });
  const result = await cliLogin(cli, email);
  expect(result.code, result.stderr).toBe(EXIT.ok);
  return { email, id };
}

/** The live sessions of an account, as another of its sessions sees them through the API. */
async function sessionIds(accessToken: string): Promise<string[]> {
  const { data } = await server.client.GET('/api/v1/users/me/sessions', { headers: bearer(accessToken) });
  if (!data) throw new Error('could not list sessions');
  return data.items.map((session) => session.id);
}

describe('transparent refresh', () => {
  it('an access token past its stored expiry is refreshed: the command succeeds and a new pair is stored', async () => {
    const { email } = await loggedIn();
    const before = storedTokens(cli);
    expireStoredToken(cli);

    const result = await cli.run(['me', '--json']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(result.stderr).toBe('');
    expect(parseJson(result.stdout)).toMatchObject({ email });

    const after = storedTokens(cli);
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(Date.parse(String(after.content.access_token_expires_at))).toBeGreaterThan(Date.now() + 60_000);
    // Same session, renewed; not a new login.
    expect(sessionIdOf(after.accessToken)).toBe(sessionIdOf(before.accessToken));
    expect(await meStatus(server, after.accessToken)).toBe(200);
    // The file is replaced whole (no temporary file left) and stays private.
    expect(cli.credentialFiles()).toEqual([after.path]);

    // A live token is used as it is: no refresh, nothing rewritten.
    expect((await cli.run(['me'])).code).toBe(EXIT.ok);
    expect(storedTokens(cli).refreshToken).toBe(after.refreshToken);
  });

  it('a token with less than 30 s left is renewed before use', async () => {
    await loggedIn();
    const before = storedTokens(cli);
    cli.writeCredentials(before.path, { ...before.content, access_token_expires_at: new Date(Date.now() + 20_000).toISOString() });
    expect((await cli.run(['me'])).code).toBe(EXIT.ok);
    expect(storedTokens(cli).refreshToken).not.toBe(before.refreshToken);
  });

  it('`token` refreshes too, and prints a token the server accepts', async () => {
    await loggedIn();
    const before = storedTokens(cli);
    expireStoredToken(cli);
    const result = await cli.run(['token']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    const printed = result.stdout.trim();
    expect(printed).not.toBe(before.accessToken);
    expect(printed).toBe(storedTokens(cli).accessToken);
    expect(await meStatus(server, printed)).toBe(200);
  });

  it('a token the server refuses as expired (401 invalid_token) is refreshed once and the request sent again', async () => {
    const { email } = await loggedIn();
    const before = storedTokens(cli);
    // Expired by the server's clock, while the stored expiry still says it is live: only the 401 can trigger the refresh.
    const expired = resignedToken(before.accessToken, Math.floor(Date.now() / 1000) - 60);
    cli.writeCredentials(before.path, { ...before.content, access_token: expired });
    expect(await meStatus(server, expired)).toBe(401);

    const result = await cli.run(['me', '--json']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(parseJson(result.stdout)).toMatchObject({ email });
    const after = storedTokens(cli);
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(await meStatus(server, after.accessToken)).toBe(200);
  });

  it('a request with a body (passwd) is sent again whole after the refresh', async () => {
    const { email } = await loggedIn();
    const before = storedTokens(cli);
    cli.writeCredentials(before.path, { ...before.content, access_token: resignedToken(before.accessToken, Math.floor(Date.now() / 1000) - 60) });
    const result = await cli.run(['passwd', '--password-stdin'], { stdin: `${GOOD_PASSWORD}\n${NEW_PASSWORD}\n` });
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect((await loginTokens(server, email, NEW_PASSWORD)).access_token).toBeTruthy();
  });

  it('when the session has ended, the refresh fails: exit 4, "authcli login", and the credentials are deleted', async () => {
    await loggedIn();
    const { accessToken, refreshToken } = storedTokens(cli);
    // Ended elsewhere (another device's `logout --all`); the CLI does not know yet.
    const { response } = await server.client.POST('/api/v1/users/logout', { headers: bearer(accessToken), params: { query: { scope: 'all' } } });
    expect(response.status).toBe(204);
    expect(await refreshOutcome(server, refreshToken)).toEqual({ status: 401, code: 'invalid_refresh_token' });
    expireStoredToken(cli);

    const result = await cli.run(['me']);
    expect(result.code).toBe(EXIT.notLoggedIn);
    expect(result.stderr).toContain(`error: not logged in at ${server.url}: the session has ended`);
    expect(result.stderr).toContain('authcli login');
    expect(result.stdout).toBe('');
    expect(cli.credentialFiles()).toEqual([]);
  });

  it('a 401 on a live-looking token whose session has ended also ends in exit 4 with the credentials deleted', async () => {
    await loggedIn();
    const { accessToken } = storedTokens(cli);
    await server.client.POST('/api/v1/users/logout', { headers: bearer(accessToken) });
    const result = await cli.run(['sessions']);
    expect(result.code).toBe(EXIT.notLoggedIn);
    expect(result.stderr).toContain('the session has ended');
    expect(cli.credentialFiles()).toEqual([]);
  });

  it('two authcli processes refreshing at once both succeed, and the session survives', async () => {
    const { email } = await loggedIn();
    const before = storedTokens(cli);
    expireStoredToken(cli);

    const results = await Promise.all([cli.run(['me', '--json']), cli.run(['me', '--json']), cli.run(['token'])]);
    for (const result of results) expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(parseJson(results[0]?.stdout ?? '')).toMatchObject({ email });

    const after = storedTokens(cli);
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(cli.credentialFiles()).toEqual([after.path]);
    // No racer was taken for a thief: the stored refresh token still renews the same, live session.
    expireStoredToken(cli);
    expect((await cli.run(['me'])).code).toBe(EXIT.ok);
    expect(await sessionIds(storedTokens(cli).accessToken)).toEqual([sessionIdOf(before.accessToken)]);
  }, SLOW_TEST_MS);
});

describe('a refresh that fails for a passing reason keeps the stored login', () => {
  /** Logged in through `baseUrl` (which keys the stored login), its access token then past its stored expiry. */
  async function expiredLoginThrough(baseUrl: string) {
    const { email } = await registerAccount(server, { label: 'cli-refresh-fails' });
    expect((await cliLogin(cli, email, { args: ['--base-url', baseUrl] })).code).toBe(EXIT.ok);
    expireStoredToken(cli);
    return { email, before: storedTokens(cli) };
  }

  it('no answer (the network is down): exit 3, the credentials untouched; once it is back the same session renews', async () => {
    const relay = await startRelay(server.url);
    try {
      const { email, before } = await expiredLoginThrough(relay.url);
      await relay.cut();
      const down = await cli.run(['--base-url', relay.url, 'me']).finally(() => relay.restore());
      expect(down.code, down.stderr).toBe(EXIT.unreachable);
      expect(down.stderr).toContain(`cannot reach the server at ${relay.url}`);
      expect(storedTokens(cli).content).toEqual(before.content);

      const back = await cli.run(['--base-url', relay.url, 'me', '--json']);
      expect(back.code, back.stderr).toBe(EXIT.ok);
      expect(parseJson(back.stdout)).toMatchObject({ email });
      const after = storedTokens(cli);
      expect(after.refreshToken).not.toBe(before.refreshToken);
      expect(sessionIdOf(after.accessToken)).toBe(sessionIdOf(before.accessToken));
    } finally {
      await relay.close();
    }
  });

  it.skipIf(!hasNginx)('a 502 from the proxy in front: exit 1 with the status, saying the login is kept, the credentials untouched', async () => {
    const relay = await startRelay(server.url);
    const nginx = await startNginx(Number(new URL(relay.url).port));
    try {
      const { before } = await expiredLoginThrough(nginx.url);
      await relay.cut();
      const result = await cli.run(['--base-url', nginx.url, 'token']).finally(() => relay.restore());
      expect(result.code).toBe(EXIT.generalError);
      expect(result.stderr).toContain('the session could not be renewed: the server answered 502');
      expect(result.stderr).toContain('The stored login is kept');
      expect(result.stdout).toBe('');
      expect(storedTokens(cli).content).toEqual(before.content);
      expect((await cli.run(['--base-url', nginx.url, 'me'])).code).toBe(EXIT.ok);
    } finally {
      await nginx.stop();
      await relay.close();
    }
  });
});

describe('refresh token reuse', () => {
  let strict: TestServer;
  beforeAll(async () => {
    strict = await startTestServer({ REFRESH_REUSE_GRACE_SECONDS: '0' });
  });
  afterAll(async () => {
    await strict?.stop();
  });

  it('a stored refresh token someone else already spent ends the session: exit 4, saying so, credentials deleted', async () => {
    const email = uniqueEmail('reuse');
    await strict.client.POST('/api/v1/users/register', { body: { email, password: GOOD_PASSWORD } });
    expect((await cliLogin(cli, email, { args: ['--base-url', strict.url] })).code).toBe(EXIT.ok);
    const { refreshToken } = storedTokens(cli);
    // A copy of the token, spent by someone else first.
    expect((await refreshOutcome(strict, refreshToken)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expireStoredToken(cli);

    const result = await cli.run(['--base-url', strict.url, 'me']);
    expect(result.code).toBe(EXIT.notLoggedIn);
    expect(result.stderr).toContain('refresh token was used twice');
    expect(result.stderr).toContain('authcli login');
    expect(cli.credentialFiles()).toEqual([]);
  });
});

describe('authcli logout', () => {
  it('--all ends every session of the account, including one this CLI never saw', async () => {
    const { email } = await loggedIn();
    const elsewhere = await loginTokens(server, email, GOOD_PASSWORD);
    expect(await meStatus(server, elsewhere.access_token)).toBe(200);

    const result = await cli.run(['logout', '--all']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(result.stdout).toBe(`Logged out of ${server.url}: every session of ${email} has ended.\n`);
    expect(cli.credentialFiles()).toEqual([]);
    expect(await meStatus(server, elsewhere.access_token)).toBe(401);
    expect((await refreshOutcome(server, elsewhere.refresh_token)).status).toBe(401);
  });

  it('--all --json says what it did', async () => {
    await loggedIn();
    const result = await cli.run(['logout', '--all', '--json']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(parseJson(result.stdout)).toEqual({ base_url: server.url, logged_out: true, scope: 'all' });
  });

  it('without --all, other sessions stay', async () => {
    const { email } = await loggedIn();
    const elsewhere = await loginTokens(server, email, GOOD_PASSWORD);
    const { accessToken } = storedTokens(cli);
    expect((await cli.run(['logout'])).code).toBe(EXIT.ok);
    expect(await meStatus(server, accessToken)).toBe(401);
    expect(await meStatus(server, elsewhere.access_token)).toBe(200);
  });

  it('--all when not logged in exits 4: there is no session to act with', async () => {
    const result = await cli.run(['logout', '--all']);
    expect(result.code).toBe(EXIT.notLoggedIn);
    expect(result.stderr).toContain(`not logged in at ${server.url}`);
    expect(result.stdout).toBe('');
  });

  it('with an expired access token, refreshes first so the session really ends on the server', async () => {
    const { email } = await loggedIn();
    const { accessToken } = storedTokens(cli);
    const elsewhere = await loginTokens(server, email, GOOD_PASSWORD);
    expireStoredToken(cli);
    const result = await cli.run(['logout']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(result.stdout).toBe(`Logged out of ${server.url}.\n`);
    expect(await sessionIds(elsewhere.access_token)).not.toContain(sessionIdOf(accessToken));
  });
});

describe('authcli passwd', () => {
  it('changes the password, stores the new token pair and logs out the other sessions', async () => {
    const { email } = await loggedIn();
    const before = storedTokens(cli);
    const elsewhere = await loginTokens(server, email, GOOD_PASSWORD);

    const result = await cli.run(['passwd', '--password-stdin'], { stdin: `${GOOD_PASSWORD}\n${NEW_PASSWORD}\n` });
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(outputLines(result.stdout)).toEqual([
      `password changed for: ${email}`,
      'other sessions:       logged out',
      expect.stringMatching(/^token expires: {8}\d{4}-\d\d-\d\d \d\d:\d\d UTC$/),
    ]);

    const after = storedTokens(cli);
    expect(after.refreshToken).not.toBe(before.refreshToken);
    // The server replaced this session's refresh token: the old one is dead, the stored one works.
    expect((await refreshOutcome(server, before.refreshToken)).status).toBe(401);
    expect(await meStatus(server, elsewhere.access_token)).toBe(401);
    expect((await cli.run(['me'])).code).toBe(EXIT.ok);
    expireStoredToken(cli);
    expect((await cli.run(['me'])).code).toBe(EXIT.ok);

    expect((await server.client.POST('/api/v1/users/login', { body: { email, password: GOOD_PASSWORD } })).response.status).toBe(401);
    expect((await loginTokens(server, email, NEW_PASSWORD)).access_token).toBeTruthy();
  });

  it('--json reports the change without printing any token', async () => {
    const { email, id } = await loggedIn();
    const result = await cli.run(['passwd', '--password-stdin', '--json'], { stdin: `${GOOD_PASSWORD}\n${NEW_PASSWORD}` });
    expect(result.code, result.stderr).toBe(EXIT.ok);
    const output = parseJson(result.stdout);
    expect(output).toMatchObject({ base_url: server.url, user: { id, email }, password_changed: true });
    expect(result.stdout).not.toContain(storedTokens(cli).accessToken);
    expect(result.stdout).not.toContain(NEW_PASSWORD);
  });

  it('a wrong current password exits 1 with the server’s message and changes nothing', async () => {
    const { email } = await loggedIn();
    const before = storedTokens(cli);
    const result = await cli.run(['passwd', '--password-stdin'], { stdin: `not the password\n${NEW_PASSWORD}\n` });
    expect(result.code).toBe(EXIT.generalError);
    expect(result.stderr).toBe('error: The password is not correct; nothing was changed. (403 wrong_password)\n');
    expect(result.stdout).toBe('');
    expect(storedTokens(cli).refreshToken).toBe(before.refreshToken);
    expect((await loginTokens(server, email, GOOD_PASSWORD)).access_token).toBeTruthy();
  });

  it('a weak new password exits 1 with the field error', async () => {
    await loggedIn();
    const result = await cli.run(['passwd', '--password-stdin'], { stdin: `${GOOD_PASSWORD}\nshort\n` });
    expect(result.code).toBe(EXIT.generalError);
    expect(result.stderr).toContain('(422 validation_failed)');
    expect(result.stderr).toMatch(/^ {2}\/body\/new_password: .+$/m);
  });

  it.each([
    ['one line', `${GOOD_PASSWORD}\n`],
    ['three lines', `${GOOD_PASSWORD}\n${NEW_PASSWORD}\n${NEW_PASSWORD}\n`],
    ['an empty new password', `${GOOD_PASSWORD}\n\n`],
  ])('--password-stdin with %s exits 2 and explains the two lines', async (_name, stdin) => {
    await loggedIn();
    const result = await cli.run(['passwd', '--password-stdin'], { stdin });
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain('--password-stdin expects two lines: the current password, then the new one');
  });

  it('without a terminal and without --password-stdin exits 2', async () => {
    await loggedIn();
    const result = await cli.run(['passwd']);
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain('authcli passwd --password-stdin');
  });

  it('when not logged in exits 4 before asking for anything', async () => {
    const result = await cli.run(['passwd', '--password-stdin'], { stdin: `${GOOD_PASSWORD}\n${NEW_PASSWORD}\n` });
    expect(result.code).toBe(EXIT.notLoggedIn);
  });

  it('on a terminal asks for the current password and the new one twice, echoing none', async () => {
    const { email } = await loggedIn();
    const mismatch = await cli.runInTerminal(['passwd'], { answers: [GOOD_PASSWORD, NEW_PASSWORD, 'something else entirely'] });
    expect(mismatch.code).toBe(EXIT.usage);
    expect(mismatch.stdout).toContain('the new passwords do not match');

    const result = await cli.runInTerminal(['passwd'], { answers: [GOOD_PASSWORD, NEW_PASSWORD, NEW_PASSWORD] });
    expect(result.code, result.stdout).toBe(EXIT.ok);
    for (const prompt of ['Current password: ', 'New password: ', 'Repeat new password: ']) expect(result.stdout).toContain(prompt);
    expect(result.stdout).not.toContain(GOOD_PASSWORD);
    expect(result.stdout).not.toContain(NEW_PASSWORD);
    expect((await loginTokens(server, email, NEW_PASSWORD)).access_token).toBeTruthy();
  });
});

describe('authcli sessions', () => {
  it('lists every live session in a table, marking this one, with user agents shortened; --wide shows them whole', async () => {
    const { email } = await loggedIn();
    const own = sessionIdOf(storedTokens(cli).accessToken);
    const elsewhere = await loginTokens(server, email, GOOD_PASSWORD, { 'User-Agent': CHROME_ON_LINUX });
    const other = sessionIdOf(elsewhere.access_token);

    const result = await cli.run(['sessions']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    const [header, ...rows] = outputLines(result.stdout);
    expect(header).toMatch(/^CURRENT +ID +CREATED +LAST USED +EXPIRES +IP +USER AGENT$/);
    expect(rows).toHaveLength(2);
    const time = String.raw`\d{4}-\d\d-\d\d \d\d:\d\d UTC`;
    // Newest first: the API login came after the CLI's.
    expect(rows[0]).toMatch(new RegExp(String.raw`^ +${other}  ${time}  ${time}  ${time}  127\.0\.0\.1 +Chrome 156 on Linux$`));
    expect(rows[1]).toMatch(new RegExp(String.raw`^\* +${own}  ${time}  ${time}  ${time}  127\.0\.0\.1 +authcli ${VERSION.replaceAll('.', '\\.')}$`));

    const wide = outputLines((await cli.run(['sessions', '--wide'])).stdout);
    expect(wide[1]?.endsWith(`  ${CHROME_ON_LINUX}`)).toBe(true);
    expect(wide[2]).toMatch(new RegExp(String.raw` {2}authcli/${VERSION.replaceAll('.', '\\.')} \(Node\.js [\d.]+\)$`));
  });

  it('an agent the parser does not know is shown by its first product token', async () => {
    const { email } = await loggedIn();
    await loginTokens(server, email, GOOD_PASSWORD, { 'User-Agent': 'curl/8.5.0' });
    await loginTokens(server, email, GOOD_PASSWORD, { 'User-Agent': 'a home-made client with a rather long name and no version at all' });
    const rows = outputLines((await cli.run(['sessions'])).stdout);
    expect(rows[1]).toMatch(/ {2}a home-made client with a rather long n…$/);
    expect(rows[2]).toMatch(/ {2}curl 8\.5\.0$/);
  });

  it('a user agent with C1 controls and bidi overrides is printed escaped, and --json keeps its value', async () => {
    const { email } = await loggedIn();
    // Sent as a client could: HTTP header bytes arrive as Latin-1, so 0x85 is NEL and 0x9b is CSI.
    const elsewhere = await loginTokens(server, email, GOOD_PASSWORD, { 'User-Agent': 'evil\u009b2J\u0085agent/1.0' });
    const other = sessionIdOf(elsewhere.access_token);
    // A bidi override cannot arrive through Latin-1 headers; another client or an older server could still have stored one.
    const own = sessionIdOf(storedTokens(cli).accessToken);
    await runSql(server, 'update sessions set user_agent = ? where id = ?', ['authcli/0.1.0 \u202e)4.0.0 sj.edoN(', own]);

    const result = await cli.run(['sessions', '--wide']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(result.stdout).not.toMatch(/[\u0080-\u009f\u202a-\u202e\u2066-\u2069]/u);
    const row = (id: string) => outputLines(result.stdout).find((line) => line.includes(id));
    expect(row(other)).toMatch(/ {2}evil\\u\{9b\}2J\\u\{85\}agent\/1\.0$/);
    expect(row(own)).toMatch(/ {2}authcli\/0\.1\.0 \\u\{202e\}\)4\.0\.0 sj\.edoN\($/);

    const json = await cli.run(['sessions', '--json']);
    expect(json.stdout).not.toMatch(/[\u0080-\u009f\u202a-\u202e]/u);
    const { data } = await server.client.GET('/api/v1/users/me/sessions', { headers: bearer(storedTokens(cli).accessToken) });
    expect(parseJson(json.stdout)).toEqual(data);
    expect(data?.items.map((session) => session.user_agent)).toContain('evil\u009b2J\u0085agent/1.0');
  });

  it('--json prints the API’s list as it is', async () => {
    await loggedIn();
    const result = await cli.run(['sessions', '--json']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    const output = parseJson(result.stdout);
    const { data } = await server.client.GET('/api/v1/users/me/sessions', { headers: bearer(storedTokens(cli).accessToken) });
    expect(output).toEqual(data);
    expect(data?.items).toEqual([expect.objectContaining({ current: true, id: expect.stringMatching(UUID) })]);
  });

  it('--revoke <id> ends that session: its tokens stop working, and it leaves the list', async () => {
    const { email } = await loggedIn();
    const elsewhere = await loginTokens(server, email, GOOD_PASSWORD);
    const other = sessionIdOf(elsewhere.access_token);

    const result = await cli.run(['sessions', '--revoke', other]);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(result.stdout).toBe(`Ended session ${other}.\n`);
    expect(await meStatus(server, elsewhere.access_token)).toBe(401);
    expect((await refreshOutcome(server, elsewhere.refresh_token)).status).toBe(401);
    const listed = parseJson((await cli.run(['sessions', '--json'])).stdout);
    expect(JSON.stringify(listed)).not.toContain(other);
  });

  it('--revoke --json says which session ended', async () => {
    const { email } = await loggedIn();
    const other = sessionIdOf((await loginTokens(server, email, GOOD_PASSWORD)).access_token);
    const result = await cli.run(['sessions', '--revoke', other, '--json']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(parseJson(result.stdout)).toEqual({ id: other, revoked: true });
  });

  it('--revoke of an unknown session exits 1 with the server’s message', async () => {
    await loggedIn();
    const result = await cli.run(['sessions', '--revoke', '00000000-0000-4000-8000-000000000000']);
    expect(result.code).toBe(EXIT.generalError);
    expect(result.stderr).toBe('error: You have no live session with this id. (404 session_not_found)\n');
  });

  it('--revoke of another account’s session is the same 404, and that session lives on', async () => {
    await loggedIn();
    const stranger = await loginTokens(server, (await loggedInElsewhere()).email, GOOD_PASSWORD);
    const result = await cli.run(['sessions', '--revoke', sessionIdOf(stranger.access_token)]);
    expect(result.code).toBe(EXIT.generalError);
    expect(result.stderr).toContain('404 session_not_found');
    expect(await meStatus(server, stranger.access_token)).toBe(200);
  });

  it('--revoke with something that is not a session id exits 2 before any request', async () => {
    const result = await cli.run(['sessions', '--revoke', 'not-a-uuid']);
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain("option '--revoke <id>' argument 'not-a-uuid' is invalid");
  });

  it('when not logged in exits 4', async () => {
    const result = await cli.run(['sessions']);
    expect(result.code).toBe(EXIT.notLoggedIn);
    expect(result.stdout).toBe('');
  });
});

/** An account that exists but is not the one logged in here. */
async function loggedInElsewhere(): Promise<{ email: string }> {
  const { email } = await registerAccount(server, { label: 'stranger' });
  return { email };
}

describe('authcli profile', () => {
  it('--full-name changes the name and prints the user; "" clears it', async () => {
    const { email } = await loggedIn({ fullName: 'Old Name' });
    const result = await cli.run(['profile', '--full-name', 'Dana Example']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(outputLines(result.stdout)).toContain('full name: Dana Example');
    expect(outputLines(result.stdout)).toContain(`email:     ${email}`);

    const cleared = await cli.run(['profile', '--full-name', '', '--json']);
    expect(cleared.code, cleared.stderr).toBe(EXIT.ok);
    expect(parseJson(cleared.stdout)).toMatchObject({ email, full_name: null });
    const me = await server.client.GET('/api/v1/users/me', { headers: bearer(storedTokens(cli).accessToken) });
    expect(me.data?.full_name).toBeNull();
  });

  it('a name with a control character exits 1 with the field error', async () => {
    await loggedIn();
    const result = await cli.run(['profile', '--full-name', 'bad\u0007name']);
    expect(result.code).toBe(EXIT.generalError);
    expect(result.stderr).toMatch(/^ {2}\/body\/full_name: .+$/m);
  });

  it('without --full-name exits 2', async () => {
    const result = await cli.run(['profile']);
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain("required option '--full-name <name>'");
  });
});

describe('authcli delete-account', () => {
  it('with --yes and the password deletes the account and forgets its credentials', async () => {
    const { email, id } = await loggedIn();
    const result = await cli.run(['delete-account', '--password-stdin', '--yes', '--json'], { stdin: `${GOOD_PASSWORD}\n` });
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(parseJson(result.stdout)).toEqual({ base_url: server.url, deleted: true, user: { id, email } });
    expect(cli.credentialFiles()).toEqual([]);
    expect((await server.client.POST('/api/v1/users/login', { body: { email, password: GOOD_PASSWORD } })).response.status).toBe(401);
  });

  it('without a terminal and without --yes exits 2 and deletes nothing', async () => {
    const { email } = await loggedIn();
    const result = await cli.run(['delete-account', '--password-stdin'], { stdin: `${GOOD_PASSWORD}\n` });
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain('pass --yes');
    expect((await loginTokens(server, email, GOOD_PASSWORD)).access_token).toBeTruthy();
  });

  it('a wrong password exits 1 with the server’s message and keeps the account and the login', async () => {
    const { email } = await loggedIn();
    const result = await cli.run(['delete-account', '--password-stdin', '--yes'], { stdin: 'not the password\n' });
    expect(result.code).toBe(EXIT.generalError);
    expect(result.stderr).toBe('error: The password is not correct; nothing was changed. (403 wrong_password)\n');
    expect(cli.credentialFiles()).toHaveLength(1);
    expect((await loginTokens(server, email, GOOD_PASSWORD)).access_token).toBeTruthy();
  });

  it('on a terminal asks for confirmation first: no keeps the account, yes then the password deletes it', async () => {
    const { email } = await loggedIn();
    const declined = await cli.runInTerminal(['delete-account'], { answers: ['n'] });
    expect(declined.code).toBe(EXIT.generalError);
    expect(declined.stdout).toContain(`Delete the account ${email} at ${server.url}`);
    expect(declined.stdout).toContain('not confirmed; nothing was changed');
    expect(declined.stdout).not.toContain('Password: ');
    expect((await loginTokens(server, email, GOOD_PASSWORD)).access_token).toBeTruthy();

    const confirmed = await cli.runInTerminal(['delete-account'], { answers: ['y', GOOD_PASSWORD] });
    expect(confirmed.code, confirmed.stdout).toBe(EXIT.ok);
    expect(confirmed.stdout).toContain(`Deleted the account ${email}`);
    expect(confirmed.stdout).not.toContain(GOOD_PASSWORD);
    expect(cli.credentialFiles()).toEqual([]);
  });
});
