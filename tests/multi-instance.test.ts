import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import createClient from 'openapi-fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { paths } from '../generated/openapi.js';
import { CHILD_TEST_TIMEOUT_MS, cleanUpChildren, makeTempDir, startChildServer, type ChildServer } from './helpers/child-server.js';
import { expectProblem, postJson, send } from './helpers/http.js';
import { MANAGE_JS } from './helpers/manage.js';
import { adminQuery, createRedisNamespace, createTestDatabase, type TestDatabase, type TestRedisNamespace } from './helpers/postgres.js';
import { asTokenPair, bearer, GOOD_PASSWORD, testEnv, uniqueEmail } from './helpers/server.js';
import { migrationsList } from '../server/db/migrations/index.js';
import type { components } from '../generated/openapi.js';

const run = promisify(execFile);
const LOGIN = '/api/v1/users/login';
const ACCOUNT_MAX_FAILURES = 4;

type Client = ReturnType<typeof createClient<paths>>;
interface Instance {
  server: ChildServer;
  client: Client;
}

/**
 * Two real server processes (`node dist/server/main.js`, as `npm start` runs
 * it) on one PostgreSQL database and one Redis key prefix, as behind a load
 * balancer: whatever one instance does, the other sees on its very next
 * request, because nothing that matters lives in a process.
 */
describe.skipIf(!process.env.TEST_DATABASE_URL || !process.env.TEST_REDIS_URL)(
  'two instances on one PostgreSQL and Redis (set TEST_DATABASE_URL and TEST_REDIS_URL to run)',
  { timeout: CHILD_TEST_TIMEOUT_MS },
  () => {
    let database: TestDatabase;
    let redis: TestRedisNamespace;
    let dir: string;
    let a: Instance;
    let b: Instance;
    /** Made admin by the operator command against the shared database; the other admins are made through the API. */
    let root: { id: number; email: string; access_token: string };

    beforeAll(async () => {
      database = await createTestDatabase();
      redis = createRedisNamespace();
      dir = makeTempDir('instances');
      const env = testEnv(dir, {
        DATABASE_URL: database.url,
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: redis.keyPrefix,
        LOGIN_ACCOUNT_MAX_FAILURES: String(ACCOUNT_MAX_FAILURES),
        LOGIN_IP_MAX_FAILURES: '10000',
        REFRESH_REUSE_GRACE_SECONDS: '30',
      });
      // Started at the same moment on an empty database: both run the migrations at start.
      const [first, second] = await Promise.all([startChildServer({ env, cwd: dir }), startChildServer({ env, cwd: dir })]);
      a = instance(first);
      b = instance(second);
      const email = uniqueEmail('root');
      const registered = await register(a, email);
      await setRole(email, 'admin');
      root = { id: registered.data?.id ?? 0, email, access_token: (await login(b, email)).access_token };
    }, CHILD_TEST_TIMEOUT_MS);

    afterAll(async () => {
      await cleanUpChildren();
      await database?.drop();
      await redis?.clear();
    });

    it('both start at once on one empty database, apply the migrations once between them, and are ready', async () => {
      for (const { server } of [a, b]) {
        const ready = await send(server.url, '/readyz');
        expect(ready.status, ready.text).toBe(200);
        expect(ready.body).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'ok', migrations: 'ok' } });
      }
      const recorded = await adminQuery(database.url, 'select name from mikro_orm_migrations order by id');
      expect(recorded.rows.map((row: { name: string }) => row.name)).toEqual(migrationsList.map((migration) => migration.name));
    });

    it('an account registered on A logs in on B, and B\'s token works on A', async () => {
      const email = uniqueEmail();
      expect((await register(a, email)).response.status).toBe(201);
      const tokens = await login(b, email);
      const me = await a.client.GET('/api/v1/users/me', { headers: bearer(tokens.access_token) });
      expect(me.data?.email).toBe(email);
    });

    it('logout on A rejects the token on B at the very next request', async () => {
      const email = uniqueEmail();
      await register(a, email);
      const tokens = await login(b, email);
      expect(await meStatus(b, tokens.access_token)).toBe(200);
      const logout = await a.client.POST('/api/v1/users/logout', { headers: bearer(tokens.access_token) });
      expect(logout.response.status).toBe(204);
      expect(await meStatus(b, tokens.access_token)).toBe(401);
      expect((await b.client.POST('/api/v1/users/refresh', { body: { refresh_token: tokens.refresh_token } })).response.status).toBe(401);
    });

    it('a refresh token spent on A gets the same successor on B within the grace window; racing on both, one successor', async () => {
      const email = uniqueEmail();
      await register(a, email);
      const tokens = await login(a, email);
      const onA = await a.client.POST('/api/v1/users/refresh', { body: { refresh_token: tokens.refresh_token } });
      const onB = await b.client.POST('/api/v1/users/refresh', { body: { refresh_token: tokens.refresh_token } });
      expect(onA.data?.refresh_token).toBeDefined();
      expect(onB.data?.refresh_token).toBe(onA.data?.refresh_token);

      const current = onA.data?.refresh_token ?? '';
      const racing = await Promise.all(
        [a, b, a, b, a, b].map((target) => target.client.POST('/api/v1/users/refresh', { body: { refresh_token: current } })),
      );
      expect(racing.map((result) => result.response.status)).toEqual([200, 200, 200, 200, 200, 200]);
      expect(new Set(racing.map((result) => result.data?.refresh_token)).size).toBe(1);
    });

    it('failed logins count across instances: failures spread over A and B lock the account on both', async () => {
      const email = uniqueEmail();
      await register(a, email);
      for (let attempt = 0; attempt < ACCOUNT_MAX_FAILURES; attempt++) {
        const target = attempt % 2 === 0 ? a : b;
        expect((await postJson(target.server.url, LOGIN, { email, password: 'not the password' })).status).toBe(401);
      }
      for (const target of [a, b]) {
        expectProblem(await postJson(target.server.url, LOGIN, { email, password: GOOD_PASSWORD }), 429, 'too_many_login_failures');
      }
    });

    it('registrations of one address racing on A and B give exactly one account', async () => {
      const email = uniqueEmail('race');
      const results = await Promise.all([a, b, a, b, a, b, a, b].map((target) => register(target, email)));
      const statuses = results.map((result) => result.response.status).sort();
      expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    });

    it('deactivation by an admin on A ends the account\'s session on B at once, and B refuses its login (403 account_disabled)', async () => {
      const email = uniqueEmail();
      const user = await register(a, email);
      const tokens = await login(b, email);
      const deactivated = await a.client.PATCH('/api/v1/admin/users/{userId}', {
        params: { path: { userId: user.data?.id ?? 0 } },
        body: { is_active: false },
        headers: bearer(root.access_token),
      });
      expect(deactivated.response.status).toBe(200);
      expect(await meStatus(b, tokens.access_token)).toBe(401);
      expect((await postJson(b.server.url, LOGIN, { email, password: GOOD_PASSWORD })).status).toBe(403);
    });

    it('deleting an account on B rejects its token on A at once', async () => {
      const email = uniqueEmail();
      await register(b, email);
      const tokens = await login(a, email);
      const deleted = await b.client.DELETE('/api/v1/users/me', { body: { password: GOOD_PASSWORD }, headers: bearer(tokens.access_token) });
      expect(deleted.response.status).toBe(204);
      expect(await meStatus(a, tokens.access_token)).toBe(401);
    });

    it('two admins demoting each other at once, one on A and one on B: exactly one active admin remains', async () => {
      // Exactly two admins, for the last-admin rule to be at stake: root makes them, then steps down.
      const [first, second] = await Promise.all([newAdmin(a), newAdmin(b)]);
      expect((await setRoleThroughApi(b, root.access_token, root.id, 'member')).response.status).toBe(200);
      const results = await Promise.all([
        setRoleThroughApi(a, first.access_token, second.id, 'member'),
        setRoleThroughApi(b, second.access_token, first.id, 'member'),
      ]);
      const statuses = results.map((result) => result.response.status);
      expect(statuses.filter((status) => status === 200), statuses.join(', ')).toHaveLength(1);
      const left = await adminQuery(database.url, `select count(*)::int as n from users where role = 'admin' and is_active`);
      expect(left.rows[0]).toEqual({ n: 1 });
    });

    it('stopping one instance (SIGTERM) leaves the other serving the same accounts', async () => {
      const email = uniqueEmail();
      await register(a, email);
      a.server.kill('SIGTERM');
      expect((await a.server.exited).code).toBe(0);
      const tokens = await login(b, email);
      expect(await meStatus(b, tokens.access_token)).toBe(200);
    });

    /** A new account that root promotes on `target`, logged in there after the promotion. */
    async function newAdmin(target: Instance): Promise<{ id: number; email: string; access_token: string }> {
      const email = uniqueEmail('admin');
      const id = (await register(target, email)).data?.id ?? 0;
      expect((await setRoleThroughApi(target, root.access_token, id, 'admin')).response.status).toBe(200);
      return { id, email, access_token: (await login(target, email)).access_token };
    }

    /** The operator command, on the shared database, as on any instance's host. */
    async function setRole(email: string, role: 'admin' | 'member'): Promise<void> {
      await run(process.execPath, [MANAGE_JS, 'set-role', email, role], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', DATABASE_URL: database.url },
      });
    }
  },
);

function instance(server: ChildServer): Instance {
  return { server, client: createClient<paths>({ baseUrl: server.url }) };
}

function register(target: Instance, email: string) {
  return target.client.POST('/api/v1/users/register', { body: { email, password: GOOD_PASSWORD } });
}

async function login(target: Instance, email: string) {
  const { data, response } = await target.client.POST('/api/v1/users/login', { body: { email, password: GOOD_PASSWORD } });
  if (!data) throw new Error(`login of ${email} on ${target.server.url} failed: ${response.status}`);
  return asTokenPair(data);
}

async function meStatus(target: Instance, accessToken: string): Promise<number> {
  return (await target.client.GET('/api/v1/users/me', { headers: bearer(accessToken) })).response.status;
}

function setRoleThroughApi(target: Instance, accessToken: string, userId: number, role: components['schemas']['Role']) {
  return target.client.PATCH('/api/v1/admin/users/{userId}', { params: { path: { userId } }, body: { role }, headers: bearer(accessToken) });
}
