import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, loginTokens, meStatus, refreshOutcome } from './helpers/auth-flows.js';
import { makeAdmin } from './helpers/manage.js';
import { bearer, GOOD_PASSWORD, registerAndLogin, startTestServer, uniqueEmail, type TestServer } from './helpers/server.js';
import type { components } from '../generated/openapi.js';

type Account = Awaited<ReturnType<typeof registerAndLogin>>;
type AuditEventType = components['schemas']['AuditEventType'];

const TEMPORARY_PASSWORD = 'tulip marble orbit canyon';
const WRONG = 'definitely not the password';
const ACCOUNT_MAX_FAILURES = 3;

let server: TestServer;
let admin: Account;
beforeAll(async () => {
  // A window far longer than the tests, so only an unlock can lift a lock; the address limit is not examined here.
  server = await startTestServer({
    LOGIN_ACCOUNT_MAX_FAILURES: String(ACCOUNT_MAX_FAILURES),
    LOGIN_ACCOUNT_WINDOW_SECONDS: '3600',
    LOGIN_IP_MAX_FAILURES: '10000',
  });
  admin = await registerAndLogin(server, { label: 'admin' });
  await makeAdmin(server, admin.email);
});
afterAll(async () => {
  await server?.stop();
});

const asAdmin = () => bearer(admin.tokens.access_token);

function createUser(body: components['schemas']['AdminCreateUserRequest'], headers = asAdmin()) {
  return server.client.POST('/api/v1/admin/users', { body, headers });
}

function setUserPassword(userId: number, password: string, headers = asAdmin()) {
  return server.client.POST('/api/v1/admin/users/{userId}/password', { params: { path: { userId } }, body: { password }, headers });
}

function unlockUser(userId: number, headers = asAdmin()) {
  return server.client.POST('/api/v1/admin/users/{userId}/unlock', { params: { path: { userId } }, headers });
}

async function auditOf(userId: number, event: AuditEventType) {
  const { data } = await server.client.GET('/api/v1/admin/audit', { params: { query: { user_id: userId, event } }, headers: asAdmin() });
  return data?.items ?? [];
}

async function lockOut(email: string): Promise<void> {
  for (let i = 0; i < ACCOUNT_MAX_FAILURES; i += 1) expect((await login(server, email, WRONG)).response.status).toBe(401);
}

describe('createUser', () => {
  it('makes an account with a temporary password that logs in; the role defaults to member; audited with the admin as actor', async () => {
    const email = uniqueEmail('created');
    const { data, response } = await createUser({ email: email.toUpperCase(), password: TEMPORARY_PASSWORD, full_name: 'Bob' });
    expect(response.status).toBe(201);
    expect(data).toMatchObject({ email, full_name: 'Bob', role: 'member', is_active: true });
    const id = data?.id ?? 0;
    expect((await login(server, email, TEMPORARY_PASSWORD)).response.status).toBe(200);
    const [event] = await auditOf(id, 'user_created');
    expect(event).toMatchObject({ user_id: id, actor_id: admin.user.id, details: { role: 'member' } });
  });

  it('can make an admin', async () => {
    const { data } = await createUser({ email: uniqueEmail('created-admin'), password: TEMPORARY_PASSWORD, role: 'admin' });
    expect(data?.role).toBe('admin');
  });

  it('409 email_taken for an email in use, whatever its case; 422 weak_password by the registration policy', async () => {
    const taken = await createUser({ email: admin.email.toUpperCase(), password: TEMPORARY_PASSWORD });
    expect(taken.response.status).toBe(409);
    expect(taken.error?.code).toBe('email_taken');
    const email = uniqueEmail('weak');
    const weak = await createUser({ email, password: email });
    expect(weak.response.status).toBe(422);
    expect(weak.error?.code).toBe('weak_password');
    expect((await login(server, email, email)).response.status).toBe(401);
  });

  it('a member gets 403 on all three admin account operations, and nothing changes', async () => {
    const member = await registerAndLogin(server);
    const auth = bearer(member.tokens.access_token);
    const email = uniqueEmail('by-member');
    const attempts = await Promise.all([
      createUser({ email, password: TEMPORARY_PASSWORD }, auth),
      setUserPassword(member.user.id, TEMPORARY_PASSWORD, auth),
      unlockUser(member.user.id, auth),
    ]);
    for (const { response, error } of attempts) {
      expect(response.status, response.url).toBe(403);
      expect(error?.code).toBe('forbidden');
    }
    expect((await login(server, email, TEMPORARY_PASSWORD)).response.status).toBe(401);
    expect((await login(server, member.email, member.password)).response.status).toBe(200);
  });
});

describe('setUserPassword', () => {
  it('sets the password, ends every session of the account and only those; audited', async () => {
    const target = await registerAndLogin(server);
    const second = await loginTokens(server, target.email, target.password);
    const bystander = await registerAndLogin(server);
    const { response } = await setUserPassword(target.user.id, TEMPORARY_PASSWORD);
    expect(response.status).toBe(204);

    for (const pair of [target.tokens, second]) {
      expect(await meStatus(server, pair.access_token)).toBe(401);
      expect((await refreshOutcome(server, pair.refresh_token)).status).toBe(401);
    }
    expect(await meStatus(server, bystander.tokens.access_token)).toBe(200);
    expect(await meStatus(server, admin.tokens.access_token)).toBe(200);
    expect((await login(server, target.email, target.password)).response.status).toBe(401);
    expect((await login(server, target.email, TEMPORARY_PASSWORD)).response.status).toBe(200);
    const [event] = await auditOf(target.user.id, 'password_set_by_admin');
    expect(event).toMatchObject({ actor_id: admin.user.id, details: { sessions_ended: 2 } });
  });

  it('voids nothing else: role and activation stay, and a locked account stays locked', async () => {
    const target = await registerAndLogin(server);
    await lockOut(target.email);
    expect((await setUserPassword(target.user.id, TEMPORARY_PASSWORD)).response.status).toBe(204);
    expect((await login(server, target.email, TEMPORARY_PASSWORD)).response.status).toBe(429);
    const { data } = await server.client.GET('/api/v1/admin/users/{userId}', { params: { path: { userId: target.user.id } }, headers: asAdmin() });
    expect(data).toEqual(target.user);
  });

  it('422 weak_password leaves the old password working; 404 for an unknown account', async () => {
    const target = await registerAndLogin(server);
    const weak = await setUserPassword(target.user.id, target.email);
    expect(weak.response.status).toBe(422);
    expect(weak.error?.code).toBe('weak_password');
    expect(await meStatus(server, target.tokens.access_token)).toBe(200);
    expect((await login(server, target.email, GOOD_PASSWORD)).response.status).toBe(200);
    const unknown = await setUserPassword(999_999, TEMPORARY_PASSWORD);
    expect(unknown.response.status).toBe(404);
    expect(unknown.error?.code).toBe('user_not_found');
  });
});

describe('unlockUser', () => {
  it('lifts a lock-out at once: the right password logs in again; audited', async () => {
    const target = await registerAndLogin(server);
    await lockOut(target.email);
    expect((await login(server, target.email, target.password)).response.status).toBe(429);

    expect((await unlockUser(target.user.id)).response.status).toBe(204);
    expect((await login(server, target.email, target.password)).response.status).toBe(200);
    const [event] = await auditOf(target.user.id, 'user_unlocked');
    expect(event).toMatchObject({ user_id: target.user.id, actor_id: admin.user.id });
  });

  it('clears the count, not only the lock: the owner again has every failure before the next lock', async () => {
    const target = await registerAndLogin(server);
    await lockOut(target.email);
    expect((await unlockUser(target.user.id)).response.status).toBe(204);
    await lockOut(target.email);
    expect((await login(server, target.email, target.password)).response.status).toBe(429);
  });

  it('one account\'s unlock leaves another locked; 404 for an unknown account', async () => {
    const [first, second] = await Promise.all([registerAndLogin(server), registerAndLogin(server)]);
    await lockOut(first.email);
    await lockOut(second.email);
    expect((await unlockUser(first.user.id)).response.status).toBe(204);
    expect((await login(server, second.email, second.password)).response.status).toBe(429);
    const unknown = await unlockUser(999_999);
    expect(unknown.response.status).toBe(404);
    expect(unknown.error?.code).toBe('user_not_found');
  });
});
