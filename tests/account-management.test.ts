import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, loginTokens, meStatus, refreshOutcome, sendRaw } from './helpers/auth-flows.js';
import { bearer, registerAndLogin, startTestServer, type TestServer } from './helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  // These tests log in with old passwords on purpose; the address limit is not what they examine.
  server = await startTestServer({ LOGIN_IP_MAX_FAILURES: '10000' });
});
afterAll(async () => {
  await server?.stop();
});

/** A password no list contains: 120 random bits. */
function freshPassword(): string {
  return `pass ${randomBytes(15).toString('base64url')} phrase`;
}

async function me(accessToken: string) {
  const { data } = await server.client.GET('/api/v1/users/me', { headers: bearer(accessToken) });
  if (!data) throw new Error('GET /me failed');
  return data;
}

/** An account with two sessions: "this device" and "another device". */
async function accountOnTwoDevices() {
  const account = await registerAndLogin(server, { password: freshPassword() });
  const other = await loginTokens(server, account.email, account.password);
  return { ...account, mine: account.tokens, other };
}

describe('PATCH /users/me', () => {
  it('updates the full name, and null clears it', async () => {
    const { tokens, user } = await registerAndLogin(server, { fullName: 'Old Name' });
    const { data, response } = await server.client.PATCH('/api/v1/users/me', {
      body: { full_name: 'New Name' },
      headers: bearer(tokens.access_token),
    });
    expect(response.status).toBe(200);
    expect(data).toEqual({ ...user, full_name: 'New Name' });
    expect((await me(tokens.access_token)).full_name).toBe('New Name');

    const cleared = await server.client.PATCH('/api/v1/users/me', { body: { full_name: null }, headers: bearer(tokens.access_token) });
    expect(cleared.response.status).toBe(200);
    expect((await me(tokens.access_token)).full_name).toBeNull();
  });

  it('refuses to set the role (422) and the role stays member', async () => {
    const { tokens } = await registerAndLogin(server, { fullName: 'Mallory' });
    for (const body of [{ role: 'admin' }, { full_name: 'Mallory', role: 'admin' }, { full_name: 'Mallory', is_active: true }]) {
      const { status, problem } = await sendRaw(server, 'PATCH', '/api/v1/users/me', { token: tokens.access_token, body });
      expect(status, JSON.stringify(body)).toBe(422);
      expect(problem.code).toBe('validation_failed');
    }
    const after = await me(tokens.access_token);
    expect(after.role).toBe('member');
    expect(after.full_name).toBe('Mallory');
  });

  it('needs a bearer token', async () => {
    const { response, error } = await server.client.PATCH('/api/v1/users/me', { body: { full_name: 'x' } });
    expect(response.status).toBe(401);
    expect(error?.code).toBe('not_authenticated');
  });
});

describe('POST /users/me/password', () => {
  function changePassword(accessToken: string, currentPassword: string, newPassword: string) {
    return server.client.POST('/api/v1/users/me/password', {
      body: { current_password: currentPassword, new_password: newPassword },
      headers: bearer(accessToken),
    });
  }

  it('a wrong current password is 403 wrong_password and changes nothing', async () => {
    const { email, password, mine, other } = await accountOnTwoDevices();
    const newPassword = freshPassword();
    const { error, response } = await changePassword(mine.access_token, `${password}x`, newPassword);
    expect(response.status).toBe(403);
    expect(error?.code).toBe('wrong_password');

    expect(await meStatus(server, other.access_token)).toBe(200);
    expect((await refreshOutcome(server, other.refresh_token)).status).toBe(200);
    expect(await meStatus(server, mine.access_token)).toBe(200);
    expect((await login(server, email, password)).response.status).toBe(200);
    expect((await login(server, email, newPassword)).response.status).toBe(401);
  });

  it('a weak new password is 422 weak_password and changes nothing', async () => {
    const { email, password, mine, other } = await accountOnTwoDevices();
    for (const weak of ['password123', email]) {
      const { error, response } = await changePassword(mine.access_token, password, weak);
      expect(response.status, weak).toBe(422);
      expect(error?.code).toBe('weak_password');
    }
    expect(await meStatus(server, other.access_token)).toBe(200);
    expect((await login(server, email, password)).response.status).toBe(200);
  });

  it('success returns a fresh pair, ends every other session, and swaps which password logs in', async () => {
    const { email, password, mine, other } = await accountOnTwoDevices();
    const third = await loginTokens(server, email, password);
    const newPassword = freshPassword();
    const { data, response } = await changePassword(mine.access_token, password, newPassword);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    if (!data) throw new Error('no tokens');
    expect(data.refresh_token).not.toBe(mine.refresh_token);

    for (const ended of [other, third]) {
      expect(await meStatus(server, ended.access_token)).toBe(401);
      expect(await refreshOutcome(server, ended.refresh_token)).toEqual({ status: 401, code: 'invalid_refresh_token' });
    }
    expect(await meStatus(server, data.access_token)).toBe(200);
    // This session's refresh token was replaced along with the password.
    expect((await refreshOutcome(server, mine.refresh_token)).status).toBe(401);
    expect((await refreshOutcome(server, data.refresh_token)).status).toBe(200);

    const old = await login(server, email, password);
    expect(old.response.status).toBe(401);
    expect(old.error?.code).toBe('invalid_credentials');
    expect((await login(server, email, newPassword)).response.status).toBe(200);
  });

  it('counts as a use of this session: its "last used" moves to the change', async () => {
    const { password, mine } = await accountOnTwoDevices();
    const lastUsed = async (accessToken: string) => {
      const { data } = await server.client.GET('/api/v1/users/me/sessions', { headers: bearer(accessToken) });
      const current = data?.items.find((session) => session.current);
      if (!current) throw new Error('no current session listed');
      return Date.parse(current.last_used_at);
    };
    const before = await lastUsed(mine.access_token);
    // Timestamps are kept to the millisecond: a few of them apart is enough to tell.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const changedAt = Date.now();
    const { data } = await changePassword(mine.access_token, password, freshPassword());
    if (!data) throw new Error('no tokens');
    const after = await lastUsed(data.access_token);
    expect(after).toBeGreaterThan(before);
    expect(after).toBeGreaterThanOrEqual(changedAt);
  });
});

describe('DELETE /users/me', () => {
  function deleteMe(accessToken: string, password: string) {
    return server.client.DELETE('/api/v1/users/me', { body: { password }, headers: bearer(accessToken) });
  }

  it('a wrong password is 403 wrong_password and changes nothing', async () => {
    const { email, password, mine, other } = await accountOnTwoDevices();
    const { error, response } = await deleteMe(mine.access_token, `${password}x`);
    expect(response.status).toBe(403);
    expect(error?.code).toBe('wrong_password');
    expect(await meStatus(server, mine.access_token)).toBe(200);
    expect((await refreshOutcome(server, other.refresh_token)).status).toBe(200);
    expect((await login(server, email, password)).response.status).toBe(200);
  });

  it('a missing password is a validation error', async () => {
    const { mine } = await accountOnTwoDevices();
    const { status, problem } = await sendRaw(server, 'DELETE', '/api/v1/users/me', { token: mine.access_token, body: {} });
    expect(status).toBe(422);
    expect(problem.code).toBe('validation_failed');
    expect(await meStatus(server, mine.access_token)).toBe(200);
  });

  it('success ends every session, refuses the password, and frees the email', async () => {
    const { email, password, user, mine, other } = await accountOnTwoDevices();
    const { response } = await deleteMe(mine.access_token, password);
    expect(response.status).toBe(204);

    for (const pair of [mine, other]) {
      expect(await meStatus(server, pair.access_token)).toBe(401);
      expect(await refreshOutcome(server, pair.refresh_token)).toEqual({ status: 401, code: 'invalid_refresh_token' });
    }
    const again = await login(server, email, password);
    expect(again.response.status).toBe(401);
    expect(again.error?.code).toBe('invalid_credentials');

    const reborn = await server.client.POST('/api/v1/users/register', { body: { email, password: freshPassword() } });
    expect(reborn.response.status).toBe(201);
    expect(reborn.data?.id).not.toBe(user.id);
    // The old account's tokens do not pass for the new account with the same email.
    expect(await meStatus(server, mine.access_token)).toBe(401);
  });
});
