import { describe, expect, it } from 'vitest';
import { loginTokens, meStatus, refreshOutcome, sessionIdOf, sessionIds } from './helpers/auth-flows.js';
import { EXIT, expireStoredToken, outputLines, parseJson, storedTokens, type CliSandbox } from './helpers/cli.js';
import { loggedIn } from './helpers/cli-accounts.js';
import { readVersion } from '../cli/version.js';
import { runSql } from './helpers/db.js';
import { bearer, GOOD_PASSWORD, registerAccount, type TestServer } from './helpers/server.js';
import { serverWithFreshSandboxes } from './helpers/cli-fixture.js';

// authcli sessions (list, revoke) and logout --all: the account's sessions, seen and ended from the CLI.

const CHROME_ON_LINUX = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';
const VERSION = readVersion();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let server: TestServer;
let cli: CliSandbox;

serverWithFreshSandboxes({
  server: (started) => (server = started),
  cli: (sandbox) => (cli = sandbox),
});

describe('authcli logout', () => {
  it('--all ends every session of the account, including one this CLI never saw', async () => {
    const { email } = await loggedIn(server, cli);
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
    await loggedIn(server, cli);
    const result = await cli.run(['logout', '--all', '--json']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(parseJson(result.stdout)).toEqual({ base_url: server.url, logged_out: true, scope: 'all' });
  });

  it('without --all, other sessions stay', async () => {
    const { email } = await loggedIn(server, cli);
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
    const { email } = await loggedIn(server, cli);
    const { accessToken } = storedTokens(cli);
    const elsewhere = await loginTokens(server, email, GOOD_PASSWORD);
    expireStoredToken(cli);
    const result = await cli.run(['logout']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(result.stdout).toBe(`Logged out of ${server.url}.\n`);
    expect(await sessionIds(server, elsewhere.access_token)).not.toContain(sessionIdOf(accessToken));
  });
});

describe('authcli sessions', () => {
  it('lists every live session in a table, marking this one, with user agents shortened; --wide shows them whole', async () => {
    const { email } = await loggedIn(server, cli);
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
    const { email } = await loggedIn(server, cli);
    await loginTokens(server, email, GOOD_PASSWORD, { 'User-Agent': 'curl/8.5.0' });
    await loginTokens(server, email, GOOD_PASSWORD, { 'User-Agent': 'a home-made client with a rather long name and no version at all' });
    const rows = outputLines((await cli.run(['sessions'])).stdout);
    expect(rows[1]).toMatch(/ {2}a home-made client with a rather long n…$/);
    expect(rows[2]).toMatch(/ {2}curl 8\.5\.0$/);
  });

  it('a user agent with C1 controls and bidi overrides is printed escaped, and --json keeps its value', async () => {
    const { email } = await loggedIn(server, cli);
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
    await loggedIn(server, cli);
    const result = await cli.run(['sessions', '--json']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    const output = parseJson(result.stdout);
    const { data } = await server.client.GET('/api/v1/users/me/sessions', { headers: bearer(storedTokens(cli).accessToken) });
    expect(output).toEqual(data);
    expect(data?.items).toEqual([expect.objectContaining({ current: true, id: expect.stringMatching(UUID) })]);
  });

  it('--revoke <id> ends that session: its tokens stop working, and it leaves the list', async () => {
    const { email } = await loggedIn(server, cli);
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
    const { email } = await loggedIn(server, cli);
    const other = sessionIdOf((await loginTokens(server, email, GOOD_PASSWORD)).access_token);
    const result = await cli.run(['sessions', '--revoke', other, '--json']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(parseJson(result.stdout)).toEqual({ id: other, revoked: true });
  });

  it('--revoke of an unknown session exits 1 with the server’s message', async () => {
    await loggedIn(server, cli);
    const result = await cli.run(['sessions', '--revoke', '00000000-0000-4000-8000-000000000000']);
    expect(result.code).toBe(EXIT.generalError);
    expect(result.stderr).toBe('error: You have no live session with this id. (404 session_not_found)\n');
  });

  it('--revoke of another account’s session is the same 404, and that session lives on', async () => {
    await loggedIn(server, cli);
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
