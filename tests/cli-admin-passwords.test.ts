import { describe, expect, it } from 'vitest';
import { loginTokens, meStatus } from './helpers/auth-flows.js';
import { EXIT, outputLines, parseJson, type CliSandbox } from './helpers/cli.js';
import { createAccount, type CliAccount } from './helpers/cli-accounts.js';
import { apiUser, FORBIDDEN } from './helpers/cli-admin.js';
import { GOOD_PASSWORD, type TestServer, uniqueEmail } from './helpers/server.js';
import { serverWithAdminAndMember } from './helpers/cli-fixture.js';

// authcli admin users create, set-password and unlock: accounts an admin creates, passwords it sets, lockouts it lifts.

let server: TestServer;
let admin: CliSandbox;
let adminAccount: CliAccount;
let member: CliSandbox;
let memberAccount: CliAccount;

serverWithAdminAndMember((started, sandboxes) => {
  server = started;
  ({ admin, adminAccount, member, memberAccount } = sandboxes);
});

describe('authcli admin users create, set-password, unlock', () => {
  const TEMPORARY = 'tulip marble orbit canyon';

  it('create makes an account with a temporary password that logs in; --json is the API’s user', async () => {
    const email = uniqueEmail('created');
    const result = await admin.run(['admin', 'users', 'create', '--email', email, '--full-name', 'Bob Example', '--password-stdin'], { stdin: `${TEMPORARY}\n` });
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(outputLines(result.stdout)).toEqual(expect.arrayContaining([`email:     ${email}`, 'full name: Bob Example', 'role:      member', 'active:    yes']));
    expect((await loginTokens(server, email, TEMPORARY)).access_token).toMatch(/\./);

    const adminEmail = uniqueEmail('created-admin');
    const json = await admin.run(['admin', 'users', 'create', '--email', adminEmail, '--role', 'admin', '--password-stdin', '--json'], { stdin: TEMPORARY });
    expect(json.code, json.stderr).toBe(EXIT.ok);
    const user = parseJson(json.stdout);
    expect(user).toMatchObject({ email: adminEmail, role: 'admin' });
    expect(user).toEqual((await apiUser(server, admin, Number(user.id))).data);
  });

  it('create with a taken email exits 1 with the server’s 409; a weak password with its field error', async () => {
    const taken = await admin.run(['admin', 'users', 'create', '--email', memberAccount.email, '--password-stdin'], { stdin: TEMPORARY });
    expect(taken.code).toBe(EXIT.generalError);
    expect(taken.stderr).toContain('(409 email_taken)');
    const weak = await admin.run(['admin', 'users', 'create', '--email', uniqueEmail('weak'), '--password-stdin'], { stdin: 'short' });
    expect(weak.code).toBe(EXIT.generalError);
    expect(weak.stderr).toMatch(/^ {2}\/body\/password: .+$/m);
  });

  it('create on a terminal asks for the password twice, echoing none', async () => {
    const email = uniqueEmail('created-tty');
    const result = await admin.runInTerminal(['admin', 'users', 'create', '--email', email], { answers: [TEMPORARY, TEMPORARY] });
    expect(result.code, result.stdout).toBe(EXIT.ok);
    expect(result.stdout).toContain('Repeat password: ');
    expect(result.stdout).not.toContain(TEMPORARY);
    expect((await loginTokens(server, email, TEMPORARY)).token_type).toBe('bearer');
  });

  it('set-password sets the password and ends every session of the account', async () => {
    const account = await createAccount(server, { label: 'set-password' });
    const before = await loginTokens(server, account.email, GOOD_PASSWORD);
    const result = await admin.run(['admin', 'users', 'set-password', String(account.id), '--password-stdin'], { stdin: `${TEMPORARY}\n` });
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(result.stdout).toBe(`Set a new password for account ${account.id}; its sessions have ended.\n`);
    expect(await meStatus(server, before.access_token)).toBe(401);
    expect((await loginTokens(server, account.email, TEMPORARY)).token_type).toBe('bearer');

    const json = await admin.run(['admin', 'users', 'set-password', String(account.id), '--password-stdin', '--json'], { stdin: GOOD_PASSWORD });
    expect(parseJson(json.stdout)).toEqual({ id: account.id, password_set: true, sessions_ended: true });
  });

  it('set-password of an unknown account exits 1 with the server’s 404', async () => {
    const result = await admin.run(['admin', 'users', 'set-password', '999999', '--password-stdin'], { stdin: TEMPORARY });
    expect(result.code).toBe(EXIT.generalError);
    expect(result.stderr).toContain('404');
  });

  it('unlock lets an account locked out by failed logins log in at once', async () => {
    const account = await createAccount(server, { label: 'unlock' });
    for (let attempt = 0; attempt < 5; attempt += 1) await server.client.POST('/api/v1/users/login', { body: { email: account.email, password: 'not the password' } });
    const locked = await server.client.POST('/api/v1/users/login', { body: { email: account.email, password: GOOD_PASSWORD } });
    expect(locked.response.status).toBe(429);

    const result = await admin.run(['admin', 'users', 'unlock', String(account.id)]);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(result.stdout).toBe(`Unlocked account ${account.id}: its failed logins are forgotten.\n`);
    expect((await loginTokens(server, account.email, GOOD_PASSWORD)).token_type).toBe('bearer');
    const json = await admin.run(['admin', 'users', 'unlock', String(account.id), '--json']);
    expect(parseJson(json.stdout)).toEqual({ id: account.id, unlocked: true });
  });

  it('as a member each exits 1 with the server’s 403', async () => {
    const commands = [
      ['create', '--email', uniqueEmail('nope'), '--password-stdin'],
      ['set-password', String(adminAccount.id), '--password-stdin'],
      ['unlock', String(adminAccount.id)],
    ];
    for (const args of commands) {
      const result = await member.run(['admin', 'users', ...args], { stdin: TEMPORARY });
      expect(result.code, args[0]).toBe(EXIT.generalError);
      expect(result.stderr, args[0]).toBe(FORBIDDEN);
    }
  });
});
