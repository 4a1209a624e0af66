import { describe, expect, it } from 'vitest';
import { createCliSandbox, EXIT, type CliSandbox } from './helpers/cli.js';
import type { CliAccount } from './helpers/cli-accounts.js';
import { apiUser, FORBIDDEN } from './helpers/cli-admin.js';
import { type TestServer } from './helpers/server.js';
import { serverWithAdminAndMember } from './helpers/cli-fixture.js';

// authcli admin's help, its usage errors (exit 2 before any request) and its refusal of a member.

let server: TestServer;
let admin: CliSandbox;
let adminAccount: CliAccount;
let member: CliSandbox;
let memberAccount: CliAccount;

serverWithAdminAndMember((started, sandboxes) => {
  server = started;
  ({ admin, adminAccount, member, memberAccount } = sandboxes);
});

describe('numbers and ids are checked before any request', () => {
  it.each([
    ['a user id that is not a number', ['admin', 'users', 'show', 'abc'], "value 'abc' is invalid for argument 'id'"],
    ['a user id of 0', ['admin', 'users', 'delete', '0', '--yes'], "value '0' is invalid for argument 'id'"],
    ['a fractional user id', ['admin', 'users', 'activate', '1.5'], "value '1.5' is invalid for argument 'id'"],
    ['a missing user id', ['admin', 'users', 'deactivate'], "missing required argument 'id'"],
    ['a missing role', ['admin', 'users', 'set-role', '1'], "missing required argument 'role'"],
    ['a user id of remove-mfa that is not a number', ['admin', 'users', 'remove-mfa', 'me'], "value 'me' is invalid for argument 'id'"],
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
    ['users remove-mfa', ['admin', 'users', 'remove-mfa', String(adminAccount.id)]],
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
    expect((await apiUser(server, admin, memberAccount.id)).data?.role).toBe('member');
    expect((await apiUser(server, admin, adminAccount.id)).data).toMatchObject({ role: 'admin', is_active: true });
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
    ['admin users remove-mfa', 'admin users remove-mfa'],
    ['admin audit', 'admin audit'],
  ])('`%s --help` shows its usage and an example', async (command, example) => {
    const result = await admin.run([...command.split(' '), '--help']);
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toContain(`Usage: authcli ${command}`);
    expect(result.stdout).toMatch(new RegExp(String.raw`^Examples:\n(  .*\n)*  authcli ${example}\b`, 'm'));
  });
});
