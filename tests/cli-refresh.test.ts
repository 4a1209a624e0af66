import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginTokens, meStatus, refreshOutcome, sessionIdOf, sessionIds } from './helpers/auth-flows.js';
import { cliLogin, EXIT, expireStoredToken, parseJson, resignedToken, SLOW_TEST_MS, storedTokens, type CliSandbox } from './helpers/cli.js';
import { loggedIn } from './helpers/cli-accounts.js';
import { hasNginx, startNginx } from './helpers/nginx.js';
import { startRelay } from './helpers/relay.js';
import { bearer, GOOD_PASSWORD, registerAccount, startTestServer, type TestServer, uniqueEmail } from './helpers/server.js';
import { serverWithFreshSandboxes } from './helpers/cli-fixture.js';

// authcli renews an expired access token with the stored refresh token: when it does, when a failed renewal
// keeps the login (the network, a proxy) and when it ends it (the session is over, the token was reused).

const NEW_PASSWORD = 'a brand new horse battery';

let server: TestServer;
let cli: CliSandbox;

serverWithFreshSandboxes({
  server: (started) => (server = started),
  cli: (sandbox) => (cli = sandbox),
});

describe('transparent refresh', () => {
  it('an access token past its stored expiry is refreshed: the command succeeds and a new pair is stored', async () => {
    const { email } = await loggedIn(server, cli);
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
    await loggedIn(server, cli);
    const before = storedTokens(cli);
    cli.writeCredentials(before.path, { ...before.content, access_token_expires_at: new Date(Date.now() + 20_000).toISOString() });
    expect((await cli.run(['me'])).code).toBe(EXIT.ok);
    expect(storedTokens(cli).refreshToken).not.toBe(before.refreshToken);
  });

  it('`token` refreshes too, and prints a token the server accepts', async () => {
    await loggedIn(server, cli);
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
    const { email } = await loggedIn(server, cli);
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
    const { email } = await loggedIn(server, cli);
    const before = storedTokens(cli);
    cli.writeCredentials(before.path, { ...before.content, access_token: resignedToken(before.accessToken, Math.floor(Date.now() / 1000) - 60) });
    const result = await cli.run(['passwd', '--password-stdin'], { stdin: `${GOOD_PASSWORD}\n${NEW_PASSWORD}\n` });
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect((await loginTokens(server, email, NEW_PASSWORD)).access_token).toBeTruthy();
  });

  it('when the session has ended, the refresh fails: exit 4, "authcli login", and the credentials are deleted', async () => {
    await loggedIn(server, cli);
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
    await loggedIn(server, cli);
    const { accessToken } = storedTokens(cli);
    await server.client.POST('/api/v1/users/logout', { headers: bearer(accessToken) });
    const result = await cli.run(['sessions']);
    expect(result.code).toBe(EXIT.notLoggedIn);
    expect(result.stderr).toContain('the session has ended');
    expect(cli.credentialFiles()).toEqual([]);
  });

  it('two authcli processes refreshing at once both succeed, and the session survives', async () => {
    const { email } = await loggedIn(server, cli);
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
    expect(await sessionIds(server, storedTokens(cli).accessToken)).toEqual([sessionIdOf(before.accessToken)]);
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
