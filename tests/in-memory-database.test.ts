import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, onPostgres, registerAndLogin, startTestServer, type TestServer } from './helpers/server.js';

const TITLE = 'DATABASE_URL=sqlite:///:memory: (sqlite project only: an in-memory SQLite database)';

// The session check normally reads through a connection of its own; an in-memory database exists only on the
// ORM's connection, so there the check must go through that one (db/session-lookup.ts).
describe.skipIf(onPostgres)(TITLE, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ DATABASE_URL: 'sqlite:///:memory:' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('registers, logs in, answers /me, and refuses the token once logged out', async () => {
    const { token, user } = await registerAndLogin(server);
    const me = await server.client.GET('/api/v1/users/me', { headers: bearer(token) });
    expect(me.response.status).toBe(200);
    expect(me.data).toEqual(user);

    const logout = await server.client.POST('/api/v1/users/logout', { headers: bearer(token), params: { query: { scope: 'current' } } });
    expect(logout.response.status).toBe(204);
    const after = await server.client.GET('/api/v1/users/me', { headers: bearer(token) });
    expect(after.response.status).toBe(401);
  });
});
