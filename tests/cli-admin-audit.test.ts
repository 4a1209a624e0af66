import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, outputLines, parseJson, storedTokens, type CliSandbox } from './helpers/cli.js';
import { createAccount, type CliAccount } from './helpers/cli-accounts.js';
import { loggedInAdminAndMember, type AdminAndMember } from './helpers/cli-admin.js';
import { bearer, startTestServer, type TestServer } from './helpers/server.js';

// authcli admin audit: the audit log as a table or JSON, filtered and paged.

let server: TestServer;
let sandboxes: AdminAndMember;
let admin: CliSandbox;
let adminAccount: CliAccount;

beforeAll(async () => {
  server = await startTestServer();
  sandboxes = await loggedInAdminAndMember(server);
  ({ admin, adminAccount } = sandboxes);
});
afterAll(async () => {
  sandboxes?.cleanup();
  await server?.stop();
});

describe('authcli admin audit', () => {
  it('prints the log newest first, with who did what to whom', async () => {
    const target = await createAccount(server, { label: 'audited' });
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
    const target = await createAccount(server, { label: 'filtered' });
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
