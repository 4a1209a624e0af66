import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { components } from '../generated/openapi.js';
import { login, loginTokens, refresh, sendRaw, sessionIdOf } from './helpers/auth-flows.js';
import { dumpTable } from './helpers/db.js';
import { makeAdmin } from './helpers/manage.js';
import { asTokenPair, bearer, startTestServer, uniqueEmail, type TestServer, type TokenPair } from './helpers/server.js';

type AuditEvent = components['schemas']['AuditEvent'];
type AuditEventType = components['schemas']['AuditEventType'];

let server: TestServer;
let adminToken: string;
let adminId: number;
const ADMIN_AGENT = 'admin-console/1.0';
/** Every password and token this file uses; none may ever reach the audit table. */
const secrets: string[] = [];

function secret<T extends string>(value: T): T {
  secrets.push(value);
  return value;
}

function remember(pair: TokenPair): TokenPair {
  secret(pair.access_token);
  secret(pair.refresh_token);
  return pair;
}

function passphrase(): string {
  return secret(`audit ${randomBytes(15).toString('base64url')} words`);
}

beforeAll(async () => {
  server = await startTestServer({
    LOGIN_ACCOUNT_MAX_FAILURES: '2',
    LOGIN_IP_MAX_FAILURES: '10000',
    // Any re-presented refresh token is reuse, so the test need not wait out a grace window.
    REFRESH_REUSE_GRACE_SECONDS: '0',
  });
  const email = uniqueEmail('auditor');
  const password = passphrase();
  const registered = await server.client.POST('/api/v1/users/register', { body: { email, password } });
  if (!registered.data) throw new Error('admin registration failed');
  adminId = registered.data.id;
  await makeAdmin(server, email);
  adminToken = remember(await loginTokens(server, email, password, { 'User-Agent': ADMIN_AGENT })).access_token;
});
afterAll(async () => {
  await server?.stop();
});

async function auditPage(query: { user_id?: number; event?: AuditEventType; limit?: number; offset?: number }) {
  const { data, response } = await server.client.GET('/api/v1/admin/audit', { params: { query }, headers: bearer(adminToken) });
  if (!data) throw new Error(`GET /admin/audit failed: ${response.status}`);
  return data;
}

/** Every event about one account, oldest first. */
async function eventsOf(userId: number): Promise<AuditEvent[]> {
  const { items, total } = await auditPage({ user_id: userId, limit: 100 });
  expect(items).toHaveLength(total);
  return [...items].reverse();
}

describe('the audit log', () => {
  it('records each security event of an account with time, user, address and user agent', async () => {
    const started = Date.now() - 1000;
    const agent = `audit-subject/${randomBytes(4).toString('hex')}`;
    const as = { 'User-Agent': agent };
    const email = uniqueEmail('audited');
    const password = passphrase();

    const registered = await server.client.POST('/api/v1/users/register', { body: { email, password }, headers: as });
    if (!registered.data) throw new Error('registration failed');
    const userId = registered.data.id;
    const auth = (pair: TokenPair) => ({ ...as, ...bearer(pair.access_token) });
    const refreshed = async (refreshToken: string) => {
      const { data, response } = await refresh(server, refreshToken, as);
      if (!data) throw new Error(`refresh failed: ${response.status}`);
      return remember(asTokenPair(data));
    };

    const first = remember(await loginTokens(server, email, password, as));
    expect((await login(server, email, secret('not the right password at all'), as)).response.status).toBe(401);
    const rotated = await refreshed(first.refresh_token);

    // Reuse: a second session whose spent token comes back.
    const second = remember(await loginTokens(server, email, password, as));
    await refreshed(second.refresh_token);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await refresh(server, second.refresh_token, as)).error?.code).toBe('refresh_token_reused');

    const third = remember(await loginTokens(server, email, password, as));
    const revoked = await server.client.DELETE('/api/v1/users/me/sessions/{sessionId}', {
      params: { path: { sessionId: sessionIdOf(third.access_token) } },
      headers: auth(rotated),
    });
    expect(revoked.response.status).toBe(204);
    expect((await server.client.PATCH('/api/v1/users/me', { body: { full_name: 'Audited Person' }, headers: auth(rotated) })).response.status).toBe(200);
    const newPassword = passphrase();
    const changed = await server.client.POST('/api/v1/users/me/password', {
      body: { current_password: password, new_password: newPassword },
      headers: auth(rotated),
    });
    if (!changed.data) throw new Error(`password change failed: ${changed.response.status}`);
    const afterChange = remember(asTokenPair(changed.data));
    expect((await server.client.POST('/api/v1/users/logout', { params: { query: {} }, headers: auth(afterChange) })).response.status).toBe(204);

    const asAdmin = { ...bearer(adminToken), 'User-Agent': ADMIN_AGENT };
    const path = { path: { userId } };
    expect((await server.client.PATCH('/api/v1/admin/users/{userId}', { params: path, body: { role: 'admin' }, headers: asAdmin })).response.status).toBe(200);
    expect((await server.client.PATCH('/api/v1/admin/users/{userId}', { params: path, body: { is_active: false }, headers: asAdmin })).response.status).toBe(200);
    expect((await server.client.DELETE('/api/v1/admin/users/{userId}', { params: path, headers: asAdmin })).response.status).toBe(204);

    // The trail outlives the account.
    const events = await eventsOf(userId);
    expect(events.map((event) => event.event)).toEqual([
      'user_registered',
      'login_succeeded',
      'login_failed',
      'tokens_refreshed',
      'login_succeeded',
      'tokens_refreshed',
      'refresh_token_reused',
      'login_succeeded',
      'session_revoked',
      'profile_updated',
      'password_changed',
      'logged_out',
      'role_changed',
      'activation_changed',
      'user_deleted',
    ]);
    const adminDone = new Set<AuditEventType>(['role_changed', 'activation_changed', 'user_deleted']);
    for (const event of events) {
      const byAdmin = adminDone.has(event.event);
      expect(event.user_id, event.event).toBe(userId);
      expect(event.actor_id, event.event).toBe(byAdmin ? adminId : null);
      expect(event.ip, event.event).toBe('127.0.0.1');
      expect(event.user_agent, event.event).toBe(byAdmin ? ADMIN_AGENT : agent);
      const at = Date.parse(event.at);
      expect(at, event.event).toBeGreaterThanOrEqual(started);
      expect(at, event.event).toBeLessThanOrEqual(Date.now() + 1000);
    }
    const details = (type: AuditEventType) => events.find((event) => event.event === type)?.details;
    expect(details('role_changed')).toEqual({ from: 'member', to: 'admin' });
    expect(details('activation_changed')).toEqual({ is_active: false });
    expect(details('session_revoked')).toEqual({ session_id: sessionIdOf(third.access_token) });
  });

  it('records a failed login for an unknown email without a user', async () => {
    const email = uniqueEmail('ghost');
    expect((await login(server, email, secret('some guess at a password'))).response.status).toBe(401);
    const { items } = await auditPage({ event: 'login_failed', limit: 100 });
    const row = items.find((event) => event.details?.email === email);
    expect(row?.user_id).toBeNull();
    expect(row?.ip).toBe('127.0.0.1');
  });

  it('records a throttled login, naming the account it was aimed at', async () => {
    const email = uniqueEmail('throttled');
    const password = passphrase();
    const registered = await server.client.POST('/api/v1/users/register', { body: { email, password } });
    if (!registered.data) throw new Error('registration failed');
    for (let i = 0; i < 2; i += 1) {
      expect((await login(server, email, secret(`wrong guess number ${i}`))).response.status).toBe(401);
    }
    expect((await login(server, email, password)).response.status).toBe(429);

    const { items } = await auditPage({ event: 'login_throttled', limit: 100 });
    const row = items.find((event) => event.details?.email === email);
    expect(row, 'a login_throttled row for this email').toBeDefined();
    expect(row?.ip).toBe('127.0.0.1');
    // The contract: user_id is null only "for a failed login on an unknown email".
    expect(row?.user_id).toBe(registered.data.id);
  });

  it('pages newest first and filters by user and by event', async () => {
    const email = uniqueEmail('paged');
    const password = passphrase();
    const registered = await server.client.POST('/api/v1/users/register', { body: { email, password } });
    if (!registered.data) throw new Error('registration failed');
    const userId = registered.data.id;
    for (let i = 0; i < 3; i += 1) remember(await loginTokens(server, email, password));

    const everything = await auditPage({ user_id: userId, limit: 100 });
    expect(everything.total).toBe(4);
    const ids = everything.items.map((event) => event.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));

    const page1 = await auditPage({ user_id: userId, limit: 3 });
    const page2 = await auditPage({ user_id: userId, limit: 3, offset: 3 });
    expect(page1.total).toBe(4);
    expect(page2.total).toBe(4);
    expect([...page1.items, ...page2.items].map((event) => event.id)).toEqual(ids);

    const logins = await auditPage({ user_id: userId, event: 'login_succeeded' });
    expect(logins.total).toBe(3);
    expect(logins.items.every((event) => event.event === 'login_succeeded' && event.user_id === userId)).toBe(true);
    const registrations = await auditPage({ user_id: userId, event: 'user_registered' });
    expect(registrations.items.map((event) => event.user_id)).toEqual([userId]);
    // No account has this id (the largest the contract's integers allow): an empty page, not an error.
    expect(await auditPage({ user_id: Number.MAX_SAFE_INTEGER })).toEqual({ items: [], total: 0 });
  });

  it('rejects bad filters (422) and callers who are not admins', async () => {
    for (const query of ['event=password_guessed', 'user_id=0', 'limit=101']) {
      const { status, problem } = await sendRaw(server, 'GET', `/api/v1/admin/audit?${query}`, { token: adminToken });
      expect(status, query).toBe(422);
      expect(problem.code).toBe('validation_failed');
    }
    const email = uniqueEmail('member');
    const password = passphrase();
    await server.client.POST('/api/v1/users/register', { body: { email, password } });
    const member = remember(await loginTokens(server, email, password));
    const { response, error } = await server.client.GET('/api/v1/admin/audit', { headers: bearer(member.access_token) });
    expect(response.status).toBe(403);
    expect(error?.code).toBe('forbidden');
  });

  // Last: it checks everything the tests above wrote.
  it('no audit row holds a password or a token used in this file', async () => {
    const table = await dumpTable(server, 'audit_events');
    expect(secrets.length).toBeGreaterThan(20);
    for (const value of secrets) expect(table.includes(value), `audit_events contains ${value.slice(0, 12)}…`).toBe(false);
  });
});
