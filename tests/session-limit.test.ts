import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginTokens, meStatus } from './helpers/auth-flows.js';
import { selectRows } from './helpers/db.js';
import { bearer, registerAccount, startTestServer, type TestServer } from './helpers/server.js';

const MAX = 3;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ MAX_SESSIONS_PER_USER: String(MAX) });
});
afterAll(async () => {
  await server?.stop();
});

function listSessions(accessToken: string, query: { limit?: number; offset?: number } = {}) {
  return server.client.GET('/api/v1/users/me/sessions', { headers: bearer(accessToken), params: { query } });
}

describe('MAX_SESSIONS_PER_USER', () => {
  it('a login beyond the limit ends the oldest live session, and says so in the audit log', async () => {
    const { id, email, password } = await registerAccount(server);
    const logins = [];
    for (let i = 0; i < MAX + 2; i += 1) logins.push(await loginTokens(server, email, password));
    // The two oldest are gone, at once; the newest MAX still work.
    expect(await Promise.all(logins.map((tokens) => meStatus(server, tokens.access_token)))).toEqual([401, 401, 200, 200, 200]);
    const newest = logins.at(-1)?.access_token ?? '';
    const { data } = await listSessions(newest);
    expect(data?.total).toBe(MAX);
    expect(data?.items).toHaveLength(MAX);
    const rows = await selectRows(server, 'select details from audit_events where event = ? and user_id = ?', ['session_limit_reached', id]);
    expect(rows).toHaveLength(2);
  });

  it("another account's sessions never count against it", async () => {
    const one = await registerAccount(server);
    const other = await registerAccount(server);
    const first = await loginTokens(server, one.email, one.password);
    for (let i = 0; i < MAX + 1; i += 1) await loginTokens(server, other.email, other.password);
    expect(await meStatus(server, first.access_token)).toBe(200);
  });
});

describe('GET /users/me/sessions pages like the admin lists', () => {
  it('limit and offset pick a page, newest first; total counts them all', async () => {
    const { email, password } = await registerAccount(server);
    const logins = [];
    for (let i = 0; i < MAX; i += 1) logins.push(await loginTokens(server, email, password));
    const newest = logins.at(-1)?.access_token ?? '';
    const all = (await listSessions(newest)).data;
    expect(all?.total).toBe(MAX);
    const first = (await listSessions(newest, { limit: 2 })).data;
    const second = (await listSessions(newest, { limit: 2, offset: 2 })).data;
    expect(first).toEqual({ items: all?.items.slice(0, 2), total: MAX });
    expect(second).toEqual({ items: all?.items.slice(2), total: MAX });
    expect(first?.items[0]?.current).toBe(true);
  });

  it('refuses a limit over 100 with 422', async () => {
    const { email, password } = await registerAccount(server);
    const { access_token } = await loginTokens(server, email, password);
    const { response } = await listSessions(access_token, { limit: 101 });
    expect(response.status).toBe(422);
  });
});
