import { describe, expect, it } from 'vitest';
import { loginTokens, meStatus, refreshOutcome } from './helpers/auth-flows.js';
import { EXIT, expireStoredToken, outputLines, parseJson, storedTokens, type CliSandbox } from './helpers/cli.js';
import { loggedIn } from './helpers/cli-accounts.js';
import { bearer, GOOD_PASSWORD, type TestServer } from './helpers/server.js';
import { serverWithFreshSandboxes } from './helpers/cli-fixture.js';

// authcli passwd, profile and delete-account: changing or deleting the logged-in account.

const NEW_PASSWORD = 'a brand new horse battery';

let server: TestServer;
let cli: CliSandbox;

serverWithFreshSandboxes({
  server: (started) => (server = started),
  cli: (sandbox) => (cli = sandbox),
});

describe('authcli passwd', () => {
  it('changes the password, stores the new token pair and logs out the other sessions', async () => {
    const { email } = await loggedIn(server, cli);
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
    const { email, id } = await loggedIn(server, cli);
    const result = await cli.run(['passwd', '--password-stdin', '--json'], { stdin: `${GOOD_PASSWORD}\n${NEW_PASSWORD}` });
    expect(result.code, result.stderr).toBe(EXIT.ok);
    const output = parseJson(result.stdout);
    expect(output).toMatchObject({ base_url: server.url, user: { id, email }, password_changed: true });
    expect(result.stdout).not.toContain(storedTokens(cli).accessToken);
    expect(result.stdout).not.toContain(NEW_PASSWORD);
  });

  it('a wrong current password exits 1 with the server’s message and changes nothing', async () => {
    const { email } = await loggedIn(server, cli);
    const before = storedTokens(cli);
    const result = await cli.run(['passwd', '--password-stdin'], { stdin: `not the password\n${NEW_PASSWORD}\n` });
    expect(result.code).toBe(EXIT.generalError);
    expect(result.stderr).toBe('error: The password is not correct; nothing was changed. (403 wrong_password)\n');
    expect(result.stdout).toBe('');
    expect(storedTokens(cli).refreshToken).toBe(before.refreshToken);
    expect((await loginTokens(server, email, GOOD_PASSWORD)).access_token).toBeTruthy();
  });

  it('a weak new password exits 1 with the field error', async () => {
    await loggedIn(server, cli);
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
    await loggedIn(server, cli);
    const result = await cli.run(['passwd', '--password-stdin'], { stdin });
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain('--password-stdin expects two lines: the current password, then the new one');
  });

  it('without a terminal and without --password-stdin exits 2', async () => {
    await loggedIn(server, cli);
    const result = await cli.run(['passwd']);
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain('authcli passwd --password-stdin');
  });

  it('when not logged in exits 4 before asking for anything', async () => {
    const result = await cli.run(['passwd', '--password-stdin'], { stdin: `${GOOD_PASSWORD}\n${NEW_PASSWORD}\n` });
    expect(result.code).toBe(EXIT.notLoggedIn);
  });

  it('on a terminal asks for the current password and the new one twice, echoing none', async () => {
    const { email } = await loggedIn(server, cli);
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

describe('authcli profile', () => {
  it('--full-name changes the name and prints the user; "" clears it', async () => {
    const { email } = await loggedIn(server, cli, { fullName: 'Old Name' });
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
    await loggedIn(server, cli);
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
    const { email, id } = await loggedIn(server, cli);
    const result = await cli.run(['delete-account', '--password-stdin', '--yes', '--json'], { stdin: `${GOOD_PASSWORD}\n` });
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(parseJson(result.stdout)).toEqual({ base_url: server.url, deleted: true, user: { id, email } });
    expect(cli.credentialFiles()).toEqual([]);
    expect((await server.client.POST('/api/v1/users/login', { body: { email, password: GOOD_PASSWORD } })).response.status).toBe(401);
  });

  it('without a terminal and without --yes exits 2 and deletes nothing', async () => {
    const { email } = await loggedIn(server, cli);
    const result = await cli.run(['delete-account', '--password-stdin'], { stdin: `${GOOD_PASSWORD}\n` });
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain('pass --yes');
    expect((await loginTokens(server, email, GOOD_PASSWORD)).access_token).toBeTruthy();
  });

  it('a wrong password exits 1 with the server’s message and keeps the account and the login', async () => {
    const { email } = await loggedIn(server, cli);
    const result = await cli.run(['delete-account', '--password-stdin', '--yes'], { stdin: 'not the password\n' });
    expect(result.code).toBe(EXIT.generalError);
    expect(result.stderr).toBe('error: The password is not correct; nothing was changed. (403 wrong_password)\n');
    expect(cli.credentialFiles()).toHaveLength(1);
    expect((await loginTokens(server, email, GOOD_PASSWORD)).access_token).toBeTruthy();
  });

  it('on a terminal asks for confirmation first: no keeps the account, yes then the password deletes it', async () => {
    const { email } = await loggedIn(server, cli);
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
