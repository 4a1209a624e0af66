import { describe, expect, it } from 'vitest';
import { loginTokens, meStatus } from './helpers/auth-flows.js';
import { cliLogin, createCliSandbox, EXIT, outputLines, parseJson, storedTokens, type CliSandbox } from './helpers/cli.js';
import { createAccount, requireCliLogin, type CliAccount } from './helpers/cli-accounts.js';
import { apiUser } from './helpers/cli-admin.js';
import { runSql } from './helpers/db.js';
import { bearer, GOOD_PASSWORD, type TestServer } from './helpers/server.js';
import { serverWithAdminAndMember } from './helpers/cli-fixture.js';

// authcli admin users list, show, set-role, activate, deactivate and delete, and names printed escaped.

let server: TestServer;
let admin: CliSandbox;
let adminAccount: CliAccount;
let member: CliSandbox;
let memberAccount: CliAccount;

serverWithAdminAndMember((started, sandboxes) => {
  server = started;
  ({ admin, adminAccount, member, memberAccount } = sandboxes);
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
    await createAccount(server, { label: 'paging' });
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
    const stored = await createAccount(server, { label: 'hostile-name' });
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
    expect(parseJson(json.stdout)).toEqual((await apiUser(server, admin, memberAccount.id)).data);
  });

  it('show of an unknown id exits 1 with the server’s message', async () => {
    const result = await admin.run(['admin', 'users', 'show', '999999']);
    expect(result.code).toBe(EXIT.generalError);
    expect(result.stderr).toBe('error: No account has this id. (404 user_not_found)\n');
  });

  it('set-role promotes and demotes; a demotion ends the account’s sessions', async () => {
    const target = await createAccount(server, { label: 'promote' });
    const promoted = await admin.run(['admin', 'users', 'set-role', String(target.id), 'admin', '--json']);
    expect(promoted.code, promoted.stderr).toBe(EXIT.ok);
    expect(parseJson(promoted.stdout)).toMatchObject({ id: target.id, role: 'admin' });

    const session = await loginTokens(server, target.email, GOOD_PASSWORD);
    const demoted = await admin.run(['admin', 'users', 'set-role', String(target.id), 'member']);
    expect(demoted.code, demoted.stderr).toBe(EXIT.ok);
    expect(outputLines(demoted.stdout)).toContain('role:    member');
    expect((await apiUser(server, admin, target.id)).data?.role).toBe('member');
    expect(await meStatus(server, session.access_token)).toBe(401);
  });

  it('set-role with a role that does not exist exits 2 and lists the roles', async () => {
    const result = await admin.run(['admin', 'users', 'set-role', String(memberAccount.id), 'owner']);
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain("argument 'role'. Allowed choices are member, admin.");
  });

  it('deactivate stops the account (its CLI login then exits 4 and forgets it); activate lets it log in again', async () => {
    const target = await createAccount(server, { label: 'deactivate' });
    const theirs = createCliSandbox(server.url);
    try {
      await requireCliLogin(theirs, target.email);
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

describe('authcli admin users delete', () => {
  it('--yes deletes the account at once', async () => {
    const target = await createAccount(server, { label: 'delete' });
    const result = await admin.run(['admin', 'users', 'delete', String(target.id), '--yes']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(result.stdout).toBe(`Deleted account ${target.id}.\n`);
    expect((await apiUser(server, admin, target.id)).response.status).toBe(404);
    const again = await admin.run(['admin', 'users', 'delete', String(target.id), '--yes', '--json']);
    expect(again.code).toBe(EXIT.generalError);
    expect(again.stderr).toContain('404 user_not_found');
    expect(again.stdout).toBe('');
  });

  it('--json says which account was deleted', async () => {
    const target = await createAccount(server, { label: 'delete' });
    const result = await admin.run(['admin', 'users', 'delete', String(target.id), '--yes', '--json']);
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(parseJson(result.stdout)).toEqual({ id: target.id, deleted: true });
  });

  it('without a terminal and without --yes exits 2 and deletes nothing', async () => {
    const target = await createAccount(server, { label: 'keep' });
    const result = await admin.run(['admin', 'users', 'delete', String(target.id)]);
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain('pass --yes');
    expect((await apiUser(server, admin, target.id)).response.status).toBe(200);
  });

  it('on a terminal names the account and asks; only yes deletes', async () => {
    const target = await createAccount(server, { label: 'ask' });
    const declined = await admin.runInTerminal(['admin', 'users', 'delete', String(target.id)], { answers: ['n'] });
    expect(declined.code).toBe(EXIT.generalError);
    expect(declined.stdout).toContain(`Delete the account ${target.email} (id ${target.id})`);
    expect(declined.stdout).toContain('not confirmed; nothing was changed');
    expect((await apiUser(server, admin, target.id)).response.status).toBe(200);

    const confirmed = await admin.runInTerminal(['admin', 'users', 'delete', String(target.id)], { answers: ['yes'] });
    expect(confirmed.code, confirmed.stdout).toBe(EXIT.ok);
    expect(confirmed.stdout).toContain(`Deleted account ${target.id}.`);
    expect((await apiUser(server, admin, target.id)).response.status).toBe(404);
  });
});
