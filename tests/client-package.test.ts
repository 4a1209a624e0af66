import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthClient, SessionEndedError, type StoredTokens, type TokenStorage } from '../client/index.js';
import { bearer, GOOD_PASSWORD, registerAccount, startTestServer, type TestServer } from './helpers/server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.stop());

/** A transport that counts what went over the wire, by path: nothing is stubbed, every request reaches the server. */
function countingFetch() {
  const sent: string[] = [];
  return {
    sent,
    refreshes: () => sent.filter((path) => path === '/api/v1/users/refresh').length,
    fetch: (request: Request) => {
      sent.push(new URL(request.url).pathname);
      return fetch(request);
    },
  };
}

function memoryStorage(initial?: StoredTokens): TokenStorage & { value: StoredTokens | undefined } {
  return {
    value: initial,
    load() {
      return this.value;
    },
    save(tokens) {
      this.value = tokens;
    },
    clear() {
      this.value = undefined;
    },
  };
}

describe('authapi/client in Node (body mode)', () => {
  it('logs in, sends the access token, and keeps the pair in the storage it was given', async () => {
    const { email } = await registerAccount(server);
    const storage = memoryStorage();
    const client = createAuthClient({ baseUrl: server.url, mode: 'body', storage });
    expect((await client.login(email, GOOD_PASSWORD)).response.status).toBe(200);
    expect(client.loggedIn).toBe(true);
    expect(storage.value?.refreshToken).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    const me = await client.api.GET('/api/v1/users/me');
    expect(me.data?.email).toBe(email);

    // A second process with the same storage picks the session up.
    const later = createAuthClient({ baseUrl: server.url, mode: 'body', storage });
    expect(await later.resume()).toBe(true);
    expect((await later.api.GET('/api/v1/users/me')).data?.email).toBe(email);
  });

  it('when the access token runs out, ten concurrent calls cause exactly one refresh, and all succeed', async () => {
    const { email } = await registerAccount(server);
    let clock = Date.now();
    const wire = countingFetch();
    const client = createAuthClient({ baseUrl: server.url, mode: 'body', fetch: wire.fetch, now: () => clock });
    await client.login(email, GOOD_PASSWORD);
    clock += 3600 * 1000; // the access token's hour has passed, as far as the client knows
    const results = await Promise.all(Array.from({ length: 10 }, () => client.api.GET('/api/v1/users/me')));
    expect(results.map((result) => result.response.status)).toEqual(Array(10).fill(200));
    expect(wire.refreshes()).toBe(1);
  });

  it('a token the server refuses (invalid_token) is refreshed once for all waiting calls, and each call is sent again once', async () => {
    const { email } = await registerAccount(server);
    const seed = createAuthClient({ baseUrl: server.url, mode: 'body', storage: memoryStorage() });
    await seed.login(email, GOOD_PASSWORD);
    const wire = countingFetch();
    // A stored access token the server will refuse, with a valid refresh token and an expiry far ahead.
    const storage = memoryStorage();
    const real = await createAuthClient({ baseUrl: server.url, mode: 'body', storage }).login(email, GOOD_PASSWORD);
    storage.value = { accessToken: 'not.a.token', refreshToken: real.data?.refresh_token, accessTokenExpiresAt: Date.now() + 3600_000 };
    const client = createAuthClient({ baseUrl: server.url, mode: 'body', storage, fetch: wire.fetch });
    const results = await Promise.all(Array.from({ length: 5 }, () => client.api.PATCH('/api/v1/users/me', { body: { full_name: 'Retried' } })));
    expect(results.map((result) => result.response.status)).toEqual(Array(5).fill(200));
    expect(results[0]?.data?.full_name).toBe('Retried');
    expect(wire.refreshes()).toBe(1);
    expect(wire.sent.filter((path) => path === '/api/v1/users/me')).toHaveLength(10);
  });

  it('a revoked session ends cleanly: one SessionEndedError to the handler, the call gets its 401, the storage is cleared', async () => {
    const { email } = await registerAccount(server);
    const storage = memoryStorage();
    const endings: SessionEndedError[] = [];
    let clock = Date.now();
    const client = createAuthClient({ baseUrl: server.url, mode: 'body', storage, now: () => clock, onSessionEnded: (error) => endings.push(error) });
    const login = await client.login(email, GOOD_PASSWORD);
    // The session is ended from elsewhere (the user logs out everywhere on another device).
    await server.client.POST('/api/v1/users/logout', { params: { query: { scope: 'all' } }, headers: bearer(login.data?.access_token ?? '') });
    clock += 3600 * 1000;
    const results = await Promise.all([client.api.GET('/api/v1/users/me'), client.api.GET('/api/v1/users/me/sessions')]);
    expect(results.map((result) => result.response.status)).toEqual([401, 401]);
    expect(endings).toHaveLength(1);
    expect(endings[0]).toBeInstanceOf(SessionEndedError);
    expect(endings[0]?.code).toBe('invalid_refresh_token');
    expect(client.loggedIn).toBe(false);
    expect(storage.value).toBeUndefined();
    await expect(client.refresh()).rejects.toMatchObject({ name: 'SessionEndedError', code: 'not_authenticated' });
  });

  it('a reused refresh token (stolen and spent by someone else first) ends the session with refresh_token_reused', async () => {
    const strict = await startTestServer({ REFRESH_REUSE_GRACE_SECONDS: '0' });
    try {
      const { email } = await registerAccount(strict);
      const storage = memoryStorage();
      const client = createAuthClient({ baseUrl: strict.url, mode: 'body', storage });
      await client.login(email, GOOD_PASSWORD);
      const thief = await strict.client.POST('/api/v1/users/refresh', { body: { refresh_token: storage.value?.refreshToken ?? '' } });
      expect(thief.response.status).toBe(200);
      const outcome = await client.refresh().catch((error: unknown) => error);
      expect(outcome).toBeInstanceOf(SessionEndedError);
      expect(outcome).toMatchObject({ code: 'refresh_token_reused' });
      expect(client.loggedIn).toBe(false);
      // Reuse revoked the whole session: the thief's pair is dead too.
      expect((await strict.client.GET('/api/v1/users/me', { headers: bearer(thief.data?.access_token ?? '') })).response.status).toBe(401);
    } finally {
      await strict.stop();
    }
  });

  it('logout ends the session on the server and forgets the tokens', async () => {
    const { email } = await registerAccount(server);
    const storage = memoryStorage();
    const client = createAuthClient({ baseUrl: server.url, mode: 'body', storage });
    const login = await client.login(email, GOOD_PASSWORD);
    await client.logout();
    expect(storage.value).toBeUndefined();
    expect((await server.client.GET('/api/v1/users/me', { headers: bearer(login.data?.access_token ?? '') })).response.status).toBe(401);
  });
});
