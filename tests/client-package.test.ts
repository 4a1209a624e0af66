import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthClient, RefreshFailedError, SessionEndedError, type StoredTokens, type TokenStorage } from '../client/index.js';
import { sessionIdOf } from './helpers/auth-flows.js';
import { hasNginx, startNginx } from './helpers/nginx.js';
import { startRelay, type Relay } from './helpers/relay.js';
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

describe('authapi/client when a refresh fails for a passing reason, and with a storage shared between processes', () => {
  let relay: Relay;
  beforeAll(async () => {
    relay = await startRelay(server.url);
  });
  afterAll(() => relay?.close());

  /** Logged in through the relay; then the client's clock passes the access token's hour, so the next call must refresh. */
  async function expiredSession(baseUrl: string) {
    const { email } = await registerAccount(server);
    let clock = Date.now();
    const storage = memoryStorage();
    const endings: SessionEndedError[] = [];
    const client = createAuthClient({ baseUrl, mode: 'body', storage, now: () => clock, onSessionEnded: (error) => endings.push(error) });
    expect((await client.login(email, GOOD_PASSWORD)).response.status).toBe(200);
    const before = { ...storage.value };
    clock += 3600 * 1000;
    return { email, client, storage, endings, before };
  }

  it('a refresh that gets no answer (network down) throws RefreshFailedError and keeps the session, which renews once the network is back', async () => {
    const { email, client, storage, endings, before } = await expiredSession(relay.url);
    await relay.cut();
    try {
      const outcome = await client.api.GET('/api/v1/users/me').catch((error: unknown) => error);
      expect(outcome).toBeInstanceOf(RefreshFailedError);
      expect(outcome).toMatchObject({ response: undefined });
    } finally {
      await relay.restore();
    }
    expect(endings).toEqual([]);
    expect(client.loggedIn).toBe(true);
    expect(storage.value).toEqual(before);

    expect((await client.api.GET('/api/v1/users/me')).data?.email).toBe(email);
    expect(storage.value?.refreshToken).not.toBe(before.refreshToken);
    expect(sessionIdOf(storage.value?.accessToken ?? '')).toBe(sessionIdOf(before.accessToken ?? ''));
  });

  it.skipIf(!hasNginx)('a 502 from the proxy in front (deploy/nginx.conf, its instances unreachable) keeps the session too', async () => {
    const nginx = await startNginx(Number(new URL(relay.url).port));
    try {
      const { email, client, storage, endings, before } = await expiredSession(nginx.url);
      await relay.cut();
      try {
        const outcome = await client.refresh().catch((error: unknown) => error);
        expect(outcome).toBeInstanceOf(RefreshFailedError);
        expect(outcome).toMatchObject({ response: { status: 502 } });
      } finally {
        await relay.restore();
      }
      expect(endings).toEqual([]);
      expect(storage.value).toEqual(before);
      expect((await client.api.GET('/api/v1/users/me')).data?.email).toBe(email);
    } finally {
      await nginx.stop();
    }
  });

  it('a pair another process renewed in the shared storage is taken, not refreshed again (which, without a grace window, would be reuse)', async () => {
    const strict = await startTestServer({ REFRESH_REUSE_GRACE_SECONDS: '0' });
    try {
      const { email } = await registerAccount(strict);
      let clock = Date.now();
      const storage = memoryStorage();
      const [first, second] = [countingFetch(), countingFetch()];
      const one = createAuthClient({ baseUrl: strict.url, mode: 'body', storage, fetch: first.fetch, now: () => clock });
      await one.login(email, GOOD_PASSWORD);
      // The other process has read the pair too, and holds it.
      const other = createAuthClient({ baseUrl: strict.url, mode: 'body', storage, fetch: second.fetch, now: () => clock });
      expect(await other.resume()).toBe(true);

      clock += 3600 * 1000;
      expect((await one.api.GET('/api/v1/users/me')).response.status).toBe(200);
      expect(first.refreshes()).toBe(1);
      const me = await other.api.GET('/api/v1/users/me');
      expect(me.data?.email).toBe(email);
      expect(second.refreshes()).toBe(0);
      expect(await other.accessToken()).toBe(storage.value?.accessToken);
      // Had the spent token been sent again, the server would have revoked the session: it lives on for both.
      expect((await one.api.GET('/api/v1/users/me')).response.status).toBe(200);
      expect((await strict.client.POST('/api/v1/users/refresh', { body: { refresh_token: storage.value?.refreshToken ?? '' } })).response.status).toBe(200);
    } finally {
      await strict.stop();
    }
  });
});
