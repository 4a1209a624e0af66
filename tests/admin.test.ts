import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { login, loginTokens, meStatus, refreshOutcome, sendRaw } from './helpers/auth-flows.js';
import { runSql, selectRows } from './helpers/db.js';
import { makeAdmin } from './helpers/manage.js';
import { bearer, registerAndLogin, startTestServer, uniqueEmail, type TestServer } from './helpers/server.js';
import type { components } from '../generated/openapi.js';

type Account = Awaited<ReturnType<typeof registerAndLogin>>;

// Failed logins are part of these tests; the address limit is not what they examine.
const SERVER_OPTIONS = { LOGIN_IP_MAX_FAILURES: '10000' };

/** A new account made admin the only way the first admin can be made: the operator command. */
async function registerAdmin(server: TestServer): Promise<Account> {
  const account = await registerAndLogin(server, { email: uniqueEmail('admin') });
  await makeAdmin(server, account.email);
  return account;
}

function patchUser(server: TestServer, accessToken: string, userId: number, body: components['schemas']['AdminUpdateUserRequest']) {
  return server.client.PATCH('/api/v1/admin/users/{userId}', { params: { path: { userId } }, body, headers: bearer(accessToken) });
}

function deleteUser(server: TestServer, accessToken: string, userId: number) {
  return server.client.DELETE('/api/v1/admin/users/{userId}', { params: { path: { userId } }, headers: bearer(accessToken) });
}

async function adminListStatus(server: TestServer, accessToken: string): Promise<number> {
  const { response } = await server.client.GET('/api/v1/admin/users', { headers: bearer(accessToken) });
  return response.status;
}

describe('admin API', () => {
  let server: TestServer;
  let admin: Account;
  beforeAll(async () => {
    server = await startTestServer(SERVER_OPTIONS);
    admin = await registerAdmin(server);
  });
  afterAll(async () => {
    await server?.stop();
  });
  const adminAuth = () => bearer(admin.tokens.access_token);

  it('the operator command made an admin, and the existing token carries the new role at once', async () => {
    const { data } = await server.client.GET('/api/v1/users/me', { headers: adminAuth() });
    expect(data?.role).toBe('admin');
    expect(await adminListStatus(server, admin.tokens.access_token)).toBe(200);
  });

  it('a member gets 403 forbidden on every admin operation, and no token gets 401', async () => {
    const member = await registerAndLogin(server);
    const auth = bearer(member.tokens.access_token);
    const userId = member.user.id;
    const path = { params: { path: { userId } } };
    const attempts = [
      server.client.GET('/api/v1/admin/users', { headers: auth }),
      server.client.GET('/api/v1/admin/users/{userId}', { ...path, headers: auth }),
      server.client.PATCH('/api/v1/admin/users/{userId}', { ...path, body: { role: 'admin' }, headers: auth }),
      server.client.DELETE('/api/v1/admin/users/{userId}', { ...path, headers: auth }),
      server.client.GET('/api/v1/admin/audit', { headers: auth }),
    ];
    for (const { response, error } of await Promise.all(attempts)) {
      expect(response.status, response.url).toBe(403);
      expect(error?.code).toBe('forbidden');
    }
    const { data } = await server.client.GET('/api/v1/users/me', { headers: auth });
    expect(data?.role).toBe('member');

    const anonymous = [
      server.client.GET('/api/v1/admin/users', {}),
      server.client.GET('/api/v1/admin/users/{userId}', path),
      server.client.DELETE('/api/v1/admin/users/{userId}', path),
      server.client.GET('/api/v1/admin/audit', {}),
    ];
    for (const { response, error } of await Promise.all(anonymous)) {
      expect(response.status, response.url).toBe(401);
      expect(error?.code).toBe('not_authenticated');
    }
  });

  it('lists users a page at a time, oldest first, with the total', async () => {
    for (let i = 0; i < 3; i += 1) await registerAndLogin(server);
    const [count] = await selectRows(server, 'select count(*) as n from users');
    const total = Number(count?.n);
    expect(total).toBeGreaterThanOrEqual(4);

    const first = await server.client.GET('/api/v1/admin/users', { params: { query: { limit: 2 } }, headers: adminAuth() });
    expect(first.response.status).toBe(200);
    expect(first.data?.total).toBe(total);
    expect(first.data?.items).toHaveLength(2);
    const second = await server.client.GET('/api/v1/admin/users', { params: { query: { limit: 2, offset: 2 } }, headers: adminAuth() });
    expect(second.data?.total).toBe(total);
    const ids = [...(first.data?.items ?? []), ...(second.data?.items ?? [])].map((user) => user.id);
    expect(ids).toHaveLength(4);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(4);

    const all = await server.client.GET('/api/v1/admin/users', { params: { query: { limit: 100 } }, headers: adminAuth() });
    expect(all.data?.items).toHaveLength(Math.min(total, 100));
    const beyond = await server.client.GET('/api/v1/admin/users', { params: { query: { offset: total } }, headers: adminAuth() });
    expect(beyond.data).toEqual({ items: [], total });
  });

  it('limit is 1 to 100 and offset is not negative (422 otherwise)', async () => {
    for (const query of ['limit=101', 'limit=0', 'offset=-1', 'limit=ten']) {
      const { status, problem } = await sendRaw(server, 'GET', `/api/v1/admin/users?${query}`, { token: admin.tokens.access_token });
      expect(status, query).toBe(422);
      expect(problem.code).toBe('validation_failed');
    }
  });

  it('filters by email, trimmed and case-insensitively', async () => {
    const target = await registerAndLogin(server, { email: uniqueEmail('findme') });
    const { data, response } = await server.client.GET('/api/v1/admin/users', {
      params: { query: { email: `  ${target.email.toUpperCase()} ` } },
      headers: adminAuth(),
    });
    expect(response.status).toBe(200);
    expect(data).toEqual({ items: [target.user], total: 1 });
    const none = await server.client.GET('/api/v1/admin/users', { params: { query: { email: uniqueEmail('nobody') } }, headers: adminAuth() });
    expect(none.data).toEqual({ items: [], total: 0 });
  });

  it('reads one user; an unknown id is 404, a malformed one 422', async () => {
    const target = await registerAndLogin(server, { fullName: 'Target' });
    const { data, response } = await server.client.GET('/api/v1/admin/users/{userId}', {
      params: { path: { userId: target.user.id } },
      headers: adminAuth(),
    });
    expect(response.status).toBe(200);
    expect(data).toEqual(target.user);

    // The contract allows ids up to 2^53 - 1: past a 32-bit column's range is still just "no such user".
    for (const userId of [999_999, 2_147_483_648, Number.MAX_SAFE_INTEGER]) {
      const unknown = await server.client.GET('/api/v1/admin/users/{userId}', { params: { path: { userId } }, headers: adminAuth() });
      expect(unknown.response.status, String(userId)).toBe(404);
      expect(unknown.error?.code).toBe('user_not_found');
    }
    for (const id of ['0', 'abc']) {
      const { status, problem } = await sendRaw(server, 'GET', `/api/v1/admin/users/${id}`, { token: admin.tokens.access_token });
      expect(status, id).toBe(422);
      expect(problem.code).toBe('validation_failed');
    }
  });

  it('an unknown id is 404 for PATCH and DELETE; an empty or unknown change is 422', async () => {
    const patch = await patchUser(server, admin.tokens.access_token, 999_999, { is_active: false });
    expect(patch.response.status).toBe(404);
    expect(patch.error?.code).toBe('user_not_found');
    const removal = await deleteUser(server, admin.tokens.access_token, 999_999);
    expect(removal.response.status).toBe(404);
    expect(removal.error?.code).toBe('user_not_found');

    const target = await registerAndLogin(server);
    for (const body of [{}, { role: 'root' }, { email: 'x@example.com' }]) {
      const { status, problem } = await sendRaw(server, 'PATCH', `/api/v1/admin/users/${target.user.id}`, { token: admin.tokens.access_token, body });
      expect(status, JSON.stringify(body)).toBe(422);
      expect(problem.code).toBe('validation_failed');
    }
  });

  it('deactivating ends the sessions at once; the right password then hears 403 account_disabled, a wrong one the usual 401; reactivating allows logins again', async () => {
    const target = await registerAndLogin(server);
    const second = await loginTokens(server, target.email, target.password);
    const { data, response } = await patchUser(server, admin.tokens.access_token, target.user.id, { is_active: false });
    expect(response.status).toBe(200);
    expect(data).toEqual({ ...target.user, is_active: false });

    for (const pair of [target.tokens, second]) {
      expect(await meStatus(server, pair.access_token)).toBe(401);
      expect(await refreshOutcome(server, pair.refresh_token)).toEqual({ status: 401, code: 'invalid_refresh_token' });
    }
    const refused = await login(server, target.email, target.password);
    expect(refused.response.status).toBe(403);
    expect(refused.error).toMatchObject({ code: 'account_disabled', detail: 'This account is deactivated.' });
    // Before the password is proven nothing is revealed: a wrong one gets what any unknown email gets.
    const wrongPassword = await login(server, target.email, `${target.password}!`);
    const unknownEmail = await login(server, uniqueEmail('nobody'), `${target.password}!`);
    expect(wrongPassword.response.status).toBe(401);
    expect(wrongPassword.error).toEqual(unknownEmail.error);
    expect(wrongPassword.response.headers.get('www-authenticate')).toBe(unknownEmail.response.headers.get('www-authenticate'));

    const back = await patchUser(server, admin.tokens.access_token, target.user.id, { is_active: true });
    expect(back.data?.is_active).toBe(true);
    const again = await login(server, target.email, target.password);
    expect(again.response.status).toBe(200);
    // Reactivation starts afresh: the sessions that were ended stay ended.
    expect(await meStatus(server, target.tokens.access_token)).toBe(401);
  });

  it('promotion counts on the next request; demotion ends the sessions and the old tokens reach no admin endpoint', async () => {
    const target = await registerAndLogin(server);
    expect(await adminListStatus(server, target.tokens.access_token)).toBe(403);
    const promoted = await patchUser(server, admin.tokens.access_token, target.user.id, { role: 'admin' });
    expect(promoted.data?.role).toBe('admin');
    expect(await adminListStatus(server, target.tokens.access_token)).toBe(200);

    const demoted = await patchUser(server, admin.tokens.access_token, target.user.id, { role: 'member' });
    expect(demoted.response.status).toBe(200);
    expect(demoted.data?.role).toBe('member');
    expect(await adminListStatus(server, target.tokens.access_token)).toBe(401);
    expect(await meStatus(server, target.tokens.access_token)).toBe(401);
    expect((await refreshOutcome(server, target.tokens.refresh_token)).status).toBe(401);
    const fresh = await loginTokens(server, target.email, target.password);
    expect(await adminListStatus(server, fresh.access_token)).toBe(403);
  });

  it('deleting a user ends their sessions at once, refuses their login and frees the email', async () => {
    const target = await registerAndLogin(server);
    const { response } = await deleteUser(server, admin.tokens.access_token, target.user.id);
    expect(response.status).toBe(204);
    expect(await meStatus(server, target.tokens.access_token)).toBe(401);
    expect(await refreshOutcome(server, target.tokens.refresh_token)).toEqual({ status: 401, code: 'invalid_refresh_token' });
    expect((await login(server, target.email, target.password)).response.status).toBe(401);

    const gone = await server.client.GET('/api/v1/admin/users/{userId}', { params: { path: { userId: target.user.id } }, headers: adminAuth() });
    expect(gone.response.status).toBe(404);
    expect((await deleteUser(server, admin.tokens.access_token, target.user.id)).response.status).toBe(404);
    const reborn = await server.client.POST('/api/v1/users/register', { body: { email: target.email, password: target.password } });
    expect(reborn.response.status).toBe(201);
  });
});

describe('the last active admin', () => {
  let server: TestServer;
  let admin: Account;
  beforeAll(async () => {
    server = await startTestServer(SERVER_OPTIONS);
  });
  afterAll(async () => {
    await server?.stop();
  });
  // Each test starts with exactly one admin: a fresh account, every earlier admin set back to member.
  // (Cheaper than a server per test; the operator command itself is covered above and in manage-cli.test.ts.)
  beforeEach(async () => {
    admin = await registerAndLogin(server, { email: uniqueEmail('admin') });
    await runSql(server, "update users set role = case when id = ? then 'admin' else 'member' end", [admin.user.id]);
  });

  async function promote(by: Account): Promise<Account> {
    const account = await registerAndLogin(server, { email: uniqueEmail('admin') });
    const { response } = await patchUser(server, by.tokens.access_token, account.user.id, { role: 'admin' });
    if (response.status !== 200) throw new Error(`promotion failed: ${response.status}`);
    return account;
  }

  it('cannot demote, deactivate or delete themselves (409 last_admin), and nothing changes', async () => {
    const token = admin.tokens.access_token;
    const id = admin.user.id;
    for (const change of [{ role: 'member' as const }, { is_active: false }, { role: 'member' as const, is_active: false }]) {
      const { error, response } = await patchUser(server, token, id, change);
      expect(response.status, JSON.stringify(change)).toBe(409);
      expect(error?.code).toBe('last_admin');
    }
    const removal = await deleteUser(server, token, id);
    expect(removal.response.status).toBe(409);
    expect(removal.error?.code).toBe('last_admin');
    const deleteMe = await server.client.DELETE('/api/v1/users/me', { body: { password: admin.password }, headers: bearer(token) });
    expect(deleteMe.response.status).toBe(409);
    expect(deleteMe.error?.code).toBe('last_admin');

    const { data } = await server.client.GET('/api/v1/users/me', { headers: bearer(token) });
    expect(data).toEqual({ ...admin.user, role: 'admin' });
    expect(await adminListStatus(server, token)).toBe(200);
  });

  it('an inactive admin does not count as another admin', async () => {
    const other = await promote(admin);
    expect((await patchUser(server, admin.tokens.access_token, other.user.id, { is_active: false })).response.status).toBe(200);
    const { error, response } = await patchUser(server, admin.tokens.access_token, admin.user.id, { role: 'member' });
    expect(response.status).toBe(409);
    expect(error?.code).toBe('last_admin');
  });

  it('with a second admin, each of demote, admin-API delete and DELETE /me works on oneself', async () => {
    const second = await promote(admin);
    const demoted = await patchUser(server, admin.tokens.access_token, admin.user.id, { role: 'member' });
    expect(demoted.response.status).toBe(200);
    expect(demoted.data?.role).toBe('member');
    // Demoting oneself ends one's own sessions like anyone else's.
    expect(await meStatus(server, admin.tokens.access_token)).toBe(401);

    const third = await promote(second);
    expect((await deleteUser(server, second.tokens.access_token, second.user.id)).response.status).toBe(204);
    expect(await meStatus(server, second.tokens.access_token)).toBe(401);

    // `third` is the last admin now; a fourth lets them leave by DELETE /me.
    const blocked = await server.client.DELETE('/api/v1/users/me', { body: { password: third.password }, headers: bearer(third.tokens.access_token) });
    expect(blocked.response.status).toBe(409);
    const fourth = await promote(third);
    const left = await server.client.DELETE('/api/v1/users/me', { body: { password: third.password }, headers: bearer(third.tokens.access_token) });
    expect(left.response.status).toBe(204);
    expect(await adminListStatus(server, fourth.tokens.access_token)).toBe(200);
  });

  // Two admins each try to leave at once: the check and the change must be one step, or both pass the check.
  const leaveBy: Record<string, { ok: number; leave: (account: Account) => Promise<{ response: Response }> }> = {
    'demoting themselves': { ok: 200, leave: (account) => patchUser(server, account.tokens.access_token, account.user.id, { role: 'member' }) },
    'deactivating themselves': { ok: 200, leave: (account) => patchUser(server, account.tokens.access_token, account.user.id, { is_active: false }) },
    'deleting themselves (admin API)': { ok: 204, leave: (account) => deleteUser(server, account.tokens.access_token, account.user.id) },
    'deleting themselves (DELETE /me)': {
      ok: 204,
      leave: (account) => server.client.DELETE('/api/v1/users/me', { body: { password: account.password }, headers: bearer(account.tokens.access_token) }),
    },
  };
  it.each(Object.keys(leaveBy))('two admins %s at the same moment: exactly one succeeds, one active admin stays', async (name) => {
    const way = leaveBy[name];
    if (!way) throw new Error(name);
    const other = await promote(admin);
    const [mine, theirs] = await Promise.all([way.leave(admin), way.leave(other)]);
    const [row] = await selectRows(server, "select count(*) as n from users where role = 'admin' and is_active = ?", [true]);
    expect(Number(row?.n), 'active admins left').toBe(1);
    expect([mine.response.status, theirs.response.status].sort()).toEqual([way.ok, 409]);
  });
});
