import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginTokens, refreshOutcome, sessionIdOf } from './helpers/auth-flows.js';
import { selectRows } from './helpers/db.js';
import { makeAdmin } from './helpers/manage.js';
import { bearer, GOOD_PASSWORD, registerAndLogin, startTestServer, uniqueEmail, type TestServer } from './helpers/server.js';
import type { components } from '../generated/openapi.js';

/**
 * Requests that race. SQLite runs one transaction at a time; PostgreSQL runs
 * them side by side on a pool of connections, so these hold only because the
 * code makes them hold (a unique index, a conditional update, row locks).
 * The same file runs on both backends and must pass alike.
 */
// Rounds of several requests each; a loaded machine needs more than the default 30 s.
describe('racing requests', { timeout: 120_000 }, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ LOGIN_IP_MAX_FAILURES: '10000' });
  });
  afterAll(() => server.stop());

  it('twenty registrations of one address at once, in any letter case: exactly one 201, the others 409 email_taken', async () => {
    const email = uniqueEmail('race');
    const spellings = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? email : email.toUpperCase()));
    const results = await Promise.all(
      spellings.map((spelling) => server.client.POST('/api/v1/users/register', { body: { email: spelling, password: GOOD_PASSWORD } })),
    );
    const statuses = results.map((result) => result.response.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(19);
    expect(results.filter((result) => result.error?.code === 'email_taken')).toHaveLength(19);
    const rows = await selectRows(server, 'select id from users where email = ?', [email]);
    expect(rows).toHaveLength(1);
  });

  it('a refresh racing a password change never leaves alive a refresh token other than the one the change returned', async () => {
    const account = await registerAndLogin(server);
    let password = account.password;
    for (let round = 0; round < 10; round++) {
      const tokens = await loginTokens(server, account.email, password);
      const next = `${GOOD_PASSWORD} ${round}`;
      const [change, refreshed] = await Promise.all([
        server.client.POST('/api/v1/users/me/password', {
          body: { current_password: password, new_password: next },
          headers: bearer(tokens.access_token),
        }),
        // Spread the refresh over the change's transaction, round by round.
        delay((round % 5) * 2).then(() => server.client.POST('/api/v1/users/refresh', { body: { refresh_token: tokens.refresh_token } })),
      ]);
      expect(change.response.status).toBe(200);
      password = next;
      if (refreshed.data) {
        // Whichever ran first, the successor must be dead now: the change replaced every refresh token of the session.
        expect(await refreshOutcome(server, refreshed.data.refresh_token), `round ${round}`).toMatchObject({ status: 401 });
      }
      if (change.data) expect((await refreshOutcome(server, change.data.refresh_token)).status).toBe(200);
    }
  });

  it('two admins demoting each other at the same moment: one wins, one active admin always remains', async () => {
    const first = await registerAndLogin(server, { email: uniqueEmail('admin') });
    await makeAdmin(server, first.email);
    const second = await registerAndLogin(server, { email: uniqueEmail('admin') });
    const accounts = [first, second];
    const ids = accounts.map((account) => account.user.id);
    // The only admin so far makes the other one; after each round the survivor re-promotes the loser.
    let promoter = first;
    for (let round = 0; round < 5; round++) {
      const promoterTokens = await loginTokens(server, promoter.email, promoter.password);
      const other = promoter === first ? second : first;
      const promoted = await patchRole(server, promoterTokens.access_token, other.user.id, 'admin');
      expect(promoted.response.status).toBe(200);
      expect(await activeAdmins(server, ids)).toBe(2);
      const [a, b] = await Promise.all(accounts.map((account) => loginTokens(server, account.email, account.password)));
      if (!a || !b) throw new Error('login failed');

      const results = await Promise.all([patchRole(server, a.access_token, second.user.id, 'member'), patchRole(server, b.access_token, first.user.id, 'member')]);
      const statuses = results.map((result) => result.response.status);
      // The loser either lost inside the guard (409 last_admin) or had already been demoted when its
      // request was authenticated (its sessions ended: 401; or no longer an admin: 403).
      expect(statuses.filter((status) => status === 200), `round ${round}: ${statuses.join(', ')}`).toHaveLength(1);
      expect([401, 403, 409]).toContain(statuses.find((status) => status !== 200));
      expect(await activeAdmins(server, ids)).toBe(1);
      promoter = statuses[0] === 200 ? first : second;
    }
  });

  it('a session id is matched in any letter case, as PostgreSQL\'s uuid type does', async () => {
    const account = await registerAndLogin(server);
    const other = await loginTokens(server, account.email, account.password);
    const sessionId = sessionIdOf(other.access_token).toUpperCase();
    const { response } = await server.client.DELETE('/api/v1/users/me/sessions/{sessionId}', {
      params: { path: { sessionId } },
      headers: bearer(account.token),
    });
    expect(response.status).toBe(204);
    expect((await server.client.GET('/api/v1/users/me', { headers: bearer(other.access_token) })).response.status).toBe(401);
  });
});

function patchRole(server: TestServer, accessToken: string, userId: number, role: components['schemas']['Role']) {
  return server.client.PATCH('/api/v1/admin/users/{userId}', { params: { path: { userId } }, body: { role }, headers: bearer(accessToken) });
}

/** Of these accounts, how many are active admins now (read from the table, not through the API). */
async function activeAdmins(server: TestServer, ids: number[]): Promise<number> {
  const rows = await selectRows(server, `select id from users where role = 'admin' and is_active = ? and id in (${ids.map(() => '?').join(', ')})`, [
    true,
    ...ids,
  ]);
  return rows.length;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
