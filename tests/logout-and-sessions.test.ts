import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginTokens, meStatus, refreshOutcome, sendRaw, sessionIdOf } from './helpers/auth-flows.js';
import { bearer, registerAndLogin, startTestServer, type TestServer } from './helpers/server.js';
import type { operations } from '../generated/openapi.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

/** One account logged in `count` times: one session per login, as with several devices. */
async function accountWithSessions(count: number, userAgents: string[] = []) {
  const account = await registerAndLogin(server, {});
  const sessions = [account.tokens];
  for (let i = 1; i < count; i += 1) {
    const userAgent = userAgents[i];
    sessions.push(await loginTokens(server, account.email, account.password, userAgent ? { 'User-Agent': userAgent } : {}));
  }
  return { ...account, sessions };
}

/** Whether a token pair still works for both kinds of request. */
async function works(pair: { access_token: string; refresh_token: string }): Promise<{ access: number; refresh: number }> {
  const access = await meStatus(server, pair.access_token);
  const { status } = await refreshOutcome(server, pair.refresh_token);
  return { access, refresh: status };
}

const ALIVE = { access: 200, refresh: 200 };
const ENDED = { access: 401, refresh: 401 };

function logOut(accessToken: string, scope?: NonNullable<operations['logOut']['parameters']['query']>['scope']) {
  return server.client.POST('/api/v1/users/logout', { params: { query: scope ? { scope } : {} }, headers: bearer(accessToken) });
}

describe('logout', () => {
  it('ends the current session at once, and only that one', async () => {
    const { sessions } = await accountWithSessions(2);
    const [mine, other] = sessions;
    if (!mine || !other) throw new Error('two sessions expected');
    const { response } = await logOut(mine.access_token);
    expect(response.status).toBe(204);
    // The very next request with the same access token, long before its `exp`.
    expect(await meStatus(server, mine.access_token)).toBe(401);
    expect(await refreshOutcome(server, mine.refresh_token)).toEqual({ status: 401, code: 'invalid_refresh_token' });
    expect(await works(other)).toEqual(ALIVE);
  });

  it('scope=current is the default, spelled out', async () => {
    const { sessions } = await accountWithSessions(2);
    const [mine, other] = sessions;
    if (!mine || !other) throw new Error('two sessions expected');
    expect((await logOut(mine.access_token, 'current')).response.status).toBe(204);
    expect(await works(mine)).toEqual(ENDED);
    expect(await works(other)).toEqual(ALIVE);
  });

  it('scope=others ends every other session of the account but not this one', async () => {
    const { sessions } = await accountWithSessions(3);
    const [mine, ...others] = sessions;
    if (!mine) throw new Error('sessions expected');
    expect((await logOut(mine.access_token, 'others')).response.status).toBe(204);
    expect(await meStatus(server, mine.access_token)).toBe(200);
    for (const pair of others) expect(await works(pair)).toEqual(ENDED);
    expect((await refreshOutcome(server, mine.refresh_token)).status).toBe(200);
  });

  it('scope=all ends every session of the account, this one included', async () => {
    const { sessions } = await accountWithSessions(3);
    const [mine] = sessions;
    if (!mine) throw new Error('sessions expected');
    expect((await logOut(mine.access_token, 'all')).response.status).toBe(204);
    for (const pair of sessions) expect(await works(pair)).toEqual(ENDED);
  });

  it("never touches another account's sessions", async () => {
    const a = await registerAndLogin(server);
    const b = await registerAndLogin(server);
    expect((await logOut(a.tokens.access_token, 'all')).response.status).toBe(204);
    expect(await works(b.tokens)).toEqual(ALIVE);
  });

  it('an unknown scope is a validation error and ends nothing', async () => {
    const { tokens } = await registerAndLogin(server);
    // Outside the spec's enum, so sent without the typed client.
    const { status, problem } = await sendRaw(server, 'POST', '/api/v1/users/logout?scope=bogus', { token: tokens.access_token });
    expect(status).toBe(422);
    expect(problem.code).toBe('validation_failed');
    expect(await meStatus(server, tokens.access_token)).toBe(200);
  });

  it('needs a bearer token, and a logged-out one cannot log out again', async () => {
    const noToken = await server.client.POST('/api/v1/users/logout', {});
    expect(noToken.response.status).toBe(401);
    expect(noToken.error?.code).toBe('not_authenticated');
    const { tokens } = await registerAndLogin(server);
    expect((await logOut(tokens.access_token)).response.status).toBe(204);
    const again = await logOut(tokens.access_token);
    expect(again.response.status).toBe(401);
    expect(again.error?.code).toBe('invalid_token');
  });
});

describe('my sessions', () => {
  it('lists the live sessions with user agent and address; only the caller\'s own is current', async () => {
    const { sessions } = await accountWithSessions(3, ['', 'Tab B/1.0', 'Phone C/2.0']);
    const [first, second, third] = sessions;
    if (!first || !second || !third) throw new Error('sessions expected');
    const { data, response } = await server.client.GET('/api/v1/users/me/sessions', { headers: bearer(second.access_token) });
    expect(response.status).toBe(200);
    if (!data) throw new Error('no list');
    expect(data.items.map((item) => item.id).sort()).toEqual(sessions.map((pair) => sessionIdOf(pair.access_token)).sort());
    const current = data.items.filter((item) => item.current);
    expect(current.map((item) => item.id)).toEqual([sessionIdOf(second.access_token)]);
    expect(current[0]?.user_agent).toBe('Tab B/1.0');
    expect(data.items.find((item) => item.id === sessionIdOf(third.access_token))?.user_agent).toBe('Phone C/2.0');
    for (const item of data.items) {
      expect(item.ip).toBe('127.0.0.1');
      expect(Date.parse(item.expires_at)).toBeGreaterThan(Date.now());
    }
    // Newest first.
    const created = data.items.map((item) => Date.parse(item.created_at));
    expect(created).toEqual([...created].sort((x, y) => y - x));
  });

  it('a session that has ended is no longer listed', async () => {
    const { sessions } = await accountWithSessions(2);
    const [mine, other] = sessions;
    if (!mine || !other) throw new Error('two sessions expected');
    expect((await logOut(other.access_token)).response.status).toBe(204);
    const { data } = await server.client.GET('/api/v1/users/me/sessions', { headers: bearer(mine.access_token) });
    expect(data?.items.map((item) => item.id)).toEqual([sessionIdOf(mine.access_token)]);
  });

  it('revoking one session ends its tokens at once and leaves the caller\'s session working', async () => {
    const { sessions } = await accountWithSessions(2);
    const [mine, other] = sessions;
    if (!mine || !other) throw new Error('two sessions expected');
    const { response } = await server.client.DELETE('/api/v1/users/me/sessions/{sessionId}', {
      params: { path: { sessionId: sessionIdOf(other.access_token) } },
      headers: bearer(mine.access_token),
    });
    expect(response.status).toBe(204);
    expect(await works(other)).toEqual(ENDED);
    expect(await works(mine)).toEqual(ALIVE);
  });

  it("another account's session id is not found, and that session keeps working", async () => {
    const me = await registerAndLogin(server);
    const victim = await registerAndLogin(server);
    const { error, response } = await server.client.DELETE('/api/v1/users/me/sessions/{sessionId}', {
      params: { path: { sessionId: sessionIdOf(victim.tokens.access_token) } },
      headers: bearer(me.tokens.access_token),
    });
    expect(response.status).toBe(404);
    expect(error?.code).toBe('session_not_found');
    expect(await works(victim.tokens)).toEqual(ALIVE);
  });

  it('an unknown session id is not found; a malformed one is a validation error', async () => {
    const { tokens } = await registerAndLogin(server);
    const unknown = await server.client.DELETE('/api/v1/users/me/sessions/{sessionId}', {
      params: { path: { sessionId: randomUUID() } },
      headers: bearer(tokens.access_token),
    });
    expect(unknown.response.status).toBe(404);
    expect(unknown.error?.code).toBe('session_not_found');
    const malformed = await server.client.DELETE('/api/v1/users/me/sessions/{sessionId}', {
      params: { path: { sessionId: 'not-a-uuid' } },
      headers: bearer(tokens.access_token),
    });
    expect(malformed.response.status).toBe(422);
    expect(malformed.error?.code).toBe('validation_failed');
  });
});
