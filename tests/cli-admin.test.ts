import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginTokens, meStatus } from './helpers/auth-flows.js';
import { cliLogin, createCliSandbox, EXIT, parseJson, storedTokens, type CliSandbox, outputLines } from './helpers/cli.js';
import { runSql } from './helpers/db.js';
import { makeAdmin } from './helpers/manage.js';
import { bearer, GOOD_PASSWORD, registerAccount, startTestServer, type TestServer, uniqueEmail } from './helpers/server.js';

const FORBIDDEN = 'error: This operation needs the admin role. (403 forbidden)\n';

let server: TestServer;
/** Logged in as an admin for the whole file: only the accounts the tests act on are new each time. */
let admin: CliSandbox;
let adminAccount: { email: string; id: number };
let member: CliSandbox;
let memberAccount: { email: string; id: number };

function createAccount(label: string, fullName: string | null = null): Promise<{ email: string; id: number }> {
  return registerAccount(server, { label, fullName });
}

async function loginIn(cli: CliSandbox, email: string): Promise<void> {
  const result = await cliLogin(cli, email);
  if (result.code !== EXIT.ok) throw new Error(`authcli login failed: ${result.stderr}`);
}

/** The account as the API shows it to the admin, for comparing with what the CLI printed. */
async function apiUser(id: number) {
  return server.client.GET('/api/v1/admin/users/{userId}', { params: { path: { userId: id } }, headers: bearer(storedTokens(admin).accessToken) });
}

beforeAll(async () => {
  server = await startTestServer();
  admin = createCliSandbox(server.url);
  member = createCliSandbox(server.url);
  adminAccount = await createAccount('admin', 'Ada Admin');
  await makeAdmin(server, adminAccount.email);
  await loginIn(admin, adminAccount.email);
  memberAccount = await createAccount('member');
  await loginIn(member, memberAccount.email);
});
afterAll(async () => {
  admin?.cleanup();
  member?.cleanup();
  await server?.stop();
});

describe('authcli admin users list', () => {
  it('prints a table of accounts, oldest first, and where the page sits', async () => {
    const result = await admin.run(['admin', 'users', 'list']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    const output = outputLines(result.stdout);
    expect(output[0]).toMatch(/^ID +EMAIL +ROLE +ACTIVE +CREATED +FULL NAME$/);
    const time = String.raw`\d{4}-\d\d-\d\d \d\d:\d\d UTC`;
    expect(output[1]).toMatch(new RegExp(String.raw`^${adminAccount.id} +${adminAccount.email.replaceAll('.', '\\.')} +admin +yes +${time}  Ada Admin$`));
    expect(output).toContainEqual(expect.stringMatching(new RegExp(String.raw`^${memberAccount.id} +\S+ +member +yes +${time}  -$`)));
    expect(output.at(-1)).toMatch(/^accounts 1-\d+ of \d+$/);
  });

  it('--json prints the API’s {items, total} as it is', async () => {
    const result = await admin.run(['admin', 'users', 'list', '--json']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    const { data } = await server.client.GET('/api/v1/admin/users', { headers: bearer(storedTokens(admin).accessToken) });
    expect(parseJson(result.stdout)).toEqual(data);
  });

  it('--limit and --offset page through the accounts, and the summary names the next page', async () => {
    await createAccount('paging');
    const all = parseJson((await admin.run(['admin', 'users', 'list', '--json'])).stdout);
    const total = Number(all.total);
    expect(total).toBeGreaterThanOrEqual(3);

    const page = await admin.run(['admin', 'users', 'list', '--limit', '1', '--offset', '1', '--json']);
    expect(page.code, page.stderr).toBe(EXIT.ok);
    const parsed = parseJson(page.stdout);
    expect(parsed.total).toBe(total);
    expect(parsed.items).toEqual([expect.objectContaining({ id: memberAccount.id })]);

    const table = await admin.run(['admin', 'users', 'list', '--limit', '1', '--offset', '1']);
    expect(outputLines(table.stdout).at(-1)).toBe(`accounts 2-2 of ${total}; next page: --offset 2`);
  });

  it('--email finds one account, compared case-insensitively', async () => {
    const result = await admin.run(['admin', 'users', 'list', '--email', memberAccount.email.toUpperCase(), '--json']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(parseJson(result.stdout)).toEqual({ items: [expect.objectContaining({ id: memberAccount.id, email: memberAccount.email })], total: 1 });
    const none = await admin.run(['admin', 'users', 'list', '--email', 'nobody@example.com']);
    expect(none.code).toBe(EXIT.ok);
    expect(none.stdout).toBe('No accounts.\n');
  });

  it('a --limit the server does not allow exits 1 with its field error', async () => {
    const result = await admin.run(['admin', 'users', 'list', '--limit', '1000']);
    expect(result.code).toBe(EXIT.generalError);
    expect(result.stderr).toContain('(422 validation_failed)');
    expect(result.stderr).toMatch(/^ {2}\/query\/limit: .+$/m);
  });
});

describe('terminal injection', () => {
  /** C1 CSI and NEL, a bidi override and an isolate: each would make a terminal act instead of show. */
  const HOSTILE_NAME = 'Mallory\u009b2J\u0085\u202egnp.exe\u2066x\u2069';
  const ESCAPED_NAME = 'Mallory\\u{9b}2J\\u{85}\\u{202e}gnp.exe\\u{2066}x\\u{2069}';
  const RAW = /[\u0080-\u009f\u202a-\u202e\u2066-\u2069]/u;

  it('the contract refuses such a name at registration and in a profile change', async () => {
    const refused = await server.client.POST('/api/v1/users/register', { body: { email: 'mallory@example.com', password: GOOD_PASSWORD, full_name: HOSTILE_NAME } });
    expect(refused.response.status).toBe(422);
    const changed = await member.run(['profile', '--full-name', 'Mallory\u202e']);
    expect(changed.code).toBe(EXIT.generalError);
    expect(changed.stderr).toMatch(/^ {2}\/body\/full_name: .+$/m);
  });

  it('a name stored before the contract refused it is printed escaped by list and show; --json keeps the value', async () => {
    const stored = await createAccount('hostile-name');
    await runSql(server, 'update users set full_name = ? where id = ?', [HOSTILE_NAME, stored.id]);

    const list = await admin.run(['admin', 'users', 'list', '--email', stored.email]);
    expect(list.code, list.stderr).toBe(EXIT.ok);
    expect(list.stdout).toContain(`  ${ESCAPED_NAME}\n`);
    expect(list.stdout).not.toMatch(RAW);

    const show = await admin.run(['admin', 'users', 'show', String(stored.id)]);
    expect(show.stdout).toContain(`full name: ${ESCAPED_NAME}\n`);
    expect(show.stdout).not.toMatch(RAW);

    const json = await admin.run(['admin', 'users', 'show', String(stored.id), '--json']);
    expect(json.stdout).not.toMatch(RAW);
    expect(parseJson(json.stdout).full_name).toBe(HOSTILE_NAME);
  });
});

describe('authcli admin users show, set-role, activate, deactivate', () => {
  it('show prints every field, active included; --json is the API’s user', async () => {
    const result = await admin.run(['admin', 'users', 'show', String(memberAccount.id)]);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(outputLines(result.stdout)).toEqual([
      `id:      ${memberAccount.id}`,
      `email:   ${memberAccount.email}`,
      'role:    member',
      'active:  yes',
      expect.stringMatching(/^created: \d{4}-\d\d-\d\d \d\d:\d\d UTC$/),
    ]);
    const json = await admin.run(['admin', 'users', 'show', String(memberAccount.id), '--json']);
    expect(parseJson(json.stdout)).toEqual((await apiUser(memberAccount.id)).data);
  });

  it('show of an unknown id exits 1 with the server’s message', async () => {
    const result = await admin.run(['admin', 'users', 'show', '999999']);
    expect(result.code).toBe(EXIT.generalError);
    expect(result.stderr).toBe('error: No account has this id. (404 user_not_found)\n');
  });

  it('set-role promotes and demotes; a demotion ends the account’s sessions', async () => {
    const target = await createAccount('promote');
    const promoted = await admin.run(['admin', 'users', 'set-role', String(target.id), 'admin', '--json']);
    expect(promoted.code, promoted.stderr).toBe(EXIT.ok);
    expect(parseJson(promoted.stdout)).toMatchObject({ id: target.id, role: 'admin' });

    const session = await loginTokens(server, target.email, GOOD_PASSWORD);
    const demoted = await admin.run(['admin', 'users', 'set-role', String(target.id), 'member']);
    expect(demoted.code, demoted.stderr).toBe(EXIT.ok);
    expect(outputLines(demoted.stdout)).toContain('role:    member');
    expect((await apiUser(target.id)).data?.role).toBe('member');
    expect(await meStatus(server, session.access_token)).toBe(401);
  });

  it('set-role with a role that does not exist exits 2 and lists the roles', async () => {
    const result = await admin.run(['admin', 'users', 'set-role', String(memberAccount.id), 'owner']);
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain("argument 'role'. Allowed choices are member, admin.");
  });

  it('deactivate stops the account (its CLI login then exits 4 and forgets it); activate lets it log in again', async () => {
    const target = await createAccount('deactivate');
    const theirs = createCliSandbox(server.url);
    try {
      await loginIn(theirs, target.email);
      const deactivated = await admin.run(['admin', 'users', 'deactivate', String(target.id)]);
      expect(deactivated.code, deactivated.stderr).toBe(EXIT.ok);
      expect(outputLines(deactivated.stdout)).toContain('active:  no');

      const me = await theirs.run(['me']);
      expect(me.code).toBe(EXIT.notLoggedIn);
      expect(theirs.credentialFiles()).toEqual([]);
      expect((await cliLogin(theirs, target.email)).code).toBe(EXIT.generalError);

      const activated = await admin.run(['admin', 'users', 'activate', String(target.id), '--json']);
      expect(activated.code, activated.stderr).toBe(EXIT.ok);
      expect(parseJson(activated.stdout)).toMatchObject({ id: target.id, is_active: true });
      expect((await cliLogin(theirs, target.email)).code).toBe(EXIT.ok);
    } finally {
      theirs.cleanup();
    }
  });
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
    expect(user).toEqual((await apiUser(Number(user.id))).data);
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
    const account = await createAccount('set-password');
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
    const account = await createAccount('unlock');
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

describe('authcli admin users delete', () => {
  it('--yes deletes the account at once', async () => {
    const target = await createAccount('delete');
    const result = await admin.run(['admin', 'users', 'delete', String(target.id), '--yes']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(result.stdout).toBe(`Deleted account ${target.id}.\n`);
    expect((await apiUser(target.id)).response.status).toBe(404);
    const again = await admin.run(['admin', 'users', 'delete', String(target.id), '--yes', '--json']);
    expect(again.code).toBe(EXIT.generalError);
    expect(again.stderr).toContain('404 user_not_found');
    expect(again.stdout).toBe('');
  });

  it('--json says which account was deleted', async () => {
    const target = await createAccount('delete');
    const result = await admin.run(['admin', 'users', 'delete', String(target.id), '--yes', '--json']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(parseJson(result.stdout)).toEqual({ id: target.id, deleted: true });
  });

  it('without a terminal and without --yes exits 2 and deletes nothing', async () => {
    const target = await createAccount('keep');
    const result = await admin.run(['admin', 'users', 'delete', String(target.id)]);
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain('pass --yes');
    expect((await apiUser(target.id)).response.status).toBe(200);
  });

  it('on a terminal names the account and asks; only yes deletes', async () => {
    const target = await createAccount('ask');
    const declined = await admin.runInTerminal(['admin', 'users', 'delete', String(target.id)], { answers: ['n'] });
    expect(declined.code).toBe(EXIT.generalError);
    expect(declined.stdout).toContain(`Delete the account ${target.email} (id ${target.id})`);
    expect(declined.stdout).toContain('not confirmed; nothing was changed');
    expect((await apiUser(target.id)).response.status).toBe(200);

    const confirmed = await admin.runInTerminal(['admin', 'users', 'delete', String(target.id)], { answers: ['yes'] });
    expect(confirmed.code, confirmed.stdout).toBe(EXIT.ok);
    expect(confirmed.stdout).toContain(`Deleted account ${target.id}.`);
    expect((await apiUser(target.id)).response.status).toBe(404);
  });
});

describe('authcli admin audit', () => {
  it('prints the log newest first, with who did what to whom', async () => {
    const target = await createAccount('audited');
    expect((await admin.run(['admin', 'users', 'set-role', String(target.id), 'admin'])).code).toBe(EXIT.ok);
    const result = await admin.run(['admin', 'audit', '--user', String(target.id)]);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    const [header, ...rest] = outputLines(result.stdout);
    expect(header).toMatch(/^ID +AT +EVENT +USER +ACTOR +IP +DETAILS$/);
    const time = String.raw`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC`;
    expect(rest[0]).toMatch(new RegExp(String.raw`^\d+ +${time}  role_changed +${target.id} +${adminAccount.id} +127\.0\.0\.1 +from=member to=admin$`));
    expect(rest[1]).toMatch(new RegExp(String.raw`^\d+ +${time}  user_registered +${target.id} +- +127\.0\.0\.1 +-$`));
    expect(rest.at(-1)).toBe('events 1-2 of 2');
  });

  it('--user, --event, --limit and --offset filter and page; --json is the API’s {items, total}', async () => {
    const target = await createAccount('filtered');
    for (const role of ['admin', 'member', 'admin']) {
      expect((await admin.run(['admin', 'users', 'set-role', String(target.id), role])).code).toBe(EXIT.ok);
    }
    const all = await admin.run(['admin', 'audit', '--user', String(target.id), '--json']);
    expect(all.code, all.stderr).toBe(EXIT.ok);
    const { data } = await server.client.GET('/api/v1/admin/audit', {
      params: { query: { user_id: target.id } },
      headers: bearer(storedTokens(admin).accessToken),
    });
    expect(parseJson(all.stdout)).toEqual(data);
    expect(data?.total).toBe(4);

    const roleChanges = parseJson((await admin.run(['admin', 'audit', '--user', String(target.id), '--event', 'role_changed', '--limit', '1', '--offset', '1', '--json'])).stdout);
    expect(roleChanges.total).toBe(3);
    expect(roleChanges.items).toEqual([expect.objectContaining({ event: 'role_changed', user_id: target.id, details: { from: 'admin', to: 'member' } })]);

    const table = await admin.run(['admin', 'audit', '--user', String(target.id), '--event', 'role_changed', '--limit', '2']);
    expect(outputLines(table.stdout).at(-1)).toBe('events 1-2 of 3; next page: --offset 2');
    const none = await admin.run(['admin', 'audit', '--user', String(target.id), '--event', 'user_deleted']);
    expect(none.stdout).toBe('No events.\n');
  });

  it('--event with a type that does not exist exits 2 and lists the types', async () => {
    const result = await admin.run(['admin', 'audit', '--event', 'coffee_made']);
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain("option '--event <type>' argument 'coffee_made' is invalid. Allowed choices are user_registered,");
  });
});

describe('numbers and ids are checked before any request', () => {
  it.each([
    ['a user id that is not a number', ['admin', 'users', 'show', 'abc'], "value 'abc' is invalid for argument 'id'"],
    ['a user id of 0', ['admin', 'users', 'delete', '0', '--yes'], "value '0' is invalid for argument 'id'"],
    ['a fractional user id', ['admin', 'users', 'activate', '1.5'], "value '1.5' is invalid for argument 'id'"],
    ['a missing user id', ['admin', 'users', 'deactivate'], "missing required argument 'id'"],
    ['a missing role', ['admin', 'users', 'set-role', '1'], "missing required argument 'role'"],
    ['a negative --limit', ['admin', 'users', 'list', '--limit', '-1'], "option '--limit <n>' argument '-1' is invalid"],
    ['a --limit of 0', ['admin', 'audit', '--limit', '0'], "option '--limit <n>' argument '0' is invalid"],
    ['an --offset that is not a number', ['admin', 'users', 'list', '--offset', 'ten'], "option '--offset <n>' argument 'ten' is invalid"],
    ['a --user that is not a number', ['admin', 'audit', '--user', 'bob'], "option '--user <id>' argument 'bob' is invalid"],
    ['an unknown admin subcommand', ['admin', 'users', 'promote', '1'], "unknown command 'promote'"],
  ])('%s exits 2', async (_name, args, message) => {
    // From a sandbox with no login: exit 2 proves nothing was even attempted.
    const nobody = createCliSandbox(server.url);
    try {
      const result = await nobody.run(args);
      expect(result.code).toBe(EXIT.usage);
      expect(result.stderr).toContain(message);
      expect(result.stdout).toBe('');
    } finally {
      nobody.cleanup();
    }
  });

  it('`admin` and `admin users` without a subcommand exit 2 with their usage', async () => {
    for (const args of [['admin'], ['admin', 'users']]) {
      const result = await admin.run(args);
      expect(result.code, args.join(' ')).toBe(EXIT.usage);
      expect(result.stderr).toContain(`Usage: authcli ${args.join(' ')}`);
    }
  });
});

describe('as a member', () => {
  const asMember = (): Array<[string, string[]]> => [
    ['users list', ['admin', 'users', 'list']],
    ['users show', ['admin', 'users', 'show', String(adminAccount.id)]],
    ['users set-role', ['admin', 'users', 'set-role', String(memberAccount.id), 'admin']],
    ['users activate', ['admin', 'users', 'activate', String(adminAccount.id)]],
    ['users deactivate', ['admin', 'users', 'deactivate', String(adminAccount.id)]],
    ['users delete', ['admin', 'users', 'delete', String(adminAccount.id), '--yes']],
    ['audit', ['admin', 'audit']],
  ];

  it('every admin command exits 1 with the server’s 403 message, and changes nothing', async () => {
    for (const [name, args] of asMember()) {
      const result = await member.run([...args, '--json']);
      expect(result.code, name).toBe(EXIT.generalError);
      expect(result.stderr, name).toBe(FORBIDDEN);
      expect(result.stdout, name).toBe('');
    }
    // Still logged in (a 403 is not a 401), and nobody was changed.
    expect(member.credentialFiles()).toHaveLength(1);
    expect((await apiUser(memberAccount.id)).data?.role).toBe('member');
    expect((await apiUser(adminAccount.id)).data).toMatchObject({ role: 'admin', is_active: true });
  }, 90_000);
});

describe('help', () => {
  it.each([
    ['admin', 'admin users list'],
    ['admin users', 'admin users list'],
    ['admin users list', 'admin users list'],
    ['admin users show', 'admin users show'],
    ['admin users set-role', 'admin users set-role'],
    ['admin users activate', 'admin users activate'],
    ['admin users deactivate', 'admin users deactivate'],
    ['admin users delete', 'admin users delete'],
    ['admin users create', 'admin users create'],
    ['admin users set-password', 'admin users set-password'],
    ['admin users unlock', 'admin users unlock'],
    ['admin audit', 'admin audit'],
  ])('`%s --help` shows its usage and an example', async (command, example) => {
    const result = await admin.run([...command.split(' '), '--help']);
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toContain(`Usage: authcli ${command}`);
    expect(result.stdout).toMatch(new RegExp(String.raw`^Examples:\n(  .*\n)*  authcli ${example}\b`, 'm'));
  });
});
