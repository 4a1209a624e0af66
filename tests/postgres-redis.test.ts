import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from './helpers/child-server.js';
import { selectRows } from './helpers/db.js';
import { expectProblem, postJson } from './helpers/http.js';
import { adminQuery, createTestDatabase, listKeys, type TestDatabase } from './helpers/postgres.js';
import { GOOD_PASSWORD, registerAndLogin, startTestServer, uniqueEmail, type TestServer } from './helpers/server.js';
import { loadConfig } from '../server/config.js';
import { migrateToLatest, openDatabase, pendingMigrations } from '../server/db/orm.js';
import { migrationsList } from '../server/db/migrations/index.js';

const run = promisify(execFile);
const MIGRATE_JS = join(PACKAGE_ROOT, 'dist', 'server', 'db', 'migrate.js');
const MIGRATIONS = migrationsList.map((migration) => migration.name);
const LOGIN = '/api/v1/users/login';

/**
 * What only PostgreSQL and Redis can show: the one migrations history on a
 * second dialect, column types, counters in Redis. Everything else the whole
 * suite checks again on this backend (the `postgres` vitest project).
 */
describe.skipIf(!process.env.TEST_DATABASE_URL || !process.env.TEST_REDIS_URL)(
  'on PostgreSQL and Redis (set TEST_DATABASE_URL and TEST_REDIS_URL to run)',
  () => {
    describe('the migrations history', () => {
      let database: TestDatabase;
      let dir: string;
      beforeAll(async () => {
        database = await createTestDatabase();
        dir = mkdtempSync(join(tmpdir(), 'authapi-migrate-'));
      });
      afterAll(async () => {
        await database?.drop();
        rmSync(dir, { recursive: true, force: true });
      });

      it('npm run migrate applies the same migrations as on SQLite to an empty database, leaving none pending', async () => {
        const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', DATABASE_URL: database.url };
        const first = await run(process.execPath, [MIGRATE_JS], { cwd: dir, env });
        expect(first.stdout.trim()).toBe(`Applied: ${MIGRATIONS.join(', ')}`);
        const orm = await openDatabase(loadConfig({ DATABASE_URL: database.url, NODE_ENV: 'test' }).config.database);
        try {
          expect(await pendingMigrations(orm)).toEqual([]);
        } finally {
          await orm.close(true);
        }
        const recorded = await adminQuery(database.url, 'select name from mikro_orm_migrations order by id');
        expect(recorded.rows.map((row: { name: string }) => row.name)).toEqual(MIGRATIONS);
      });

      it('gives PostgreSQL its own types: timestamptz datetimes, real booleans, a json column, a uuid key', async () => {
        const columns = await adminQuery(
          database.url,
          `select table_name || '.' || column_name as name, data_type from information_schema.columns
           where table_schema = 'public' and table_name in ('users', 'sessions', 'audit_events')`,
        );
        const types = Object.fromEntries(columns.rows.map((row: { name: string; data_type: string }) => [row.name, row.data_type]));
        expect(types).toMatchObject({
          'users.created_at': 'timestamp with time zone',
          'users.is_active': 'boolean',
          'sessions.id': 'uuid',
          'sessions.revoked_at': 'timestamp with time zone',
          'audit_events.details': 'json',
        });
      });
    });

    it('instances starting at once on an empty database apply each migration exactly once (an advisory lock takes turns)', async () => {
      const database = await createTestDatabase();
      try {
        const { config } = loadConfig({ DATABASE_URL: database.url, NODE_ENV: 'test' });
        const orms = await Promise.all([1, 2, 3].map(() => openDatabase(config.database)));
        try {
          const applied = await Promise.all(orms.map((orm) => migrateToLatest(orm)));
          expect(applied.flat().sort()).toEqual([...MIGRATIONS].sort());
        } finally {
          await Promise.all(orms.map((orm) => orm.close(true)));
        }
        const recorded = await adminQuery(database.url, 'select count(*)::int as n from mikro_orm_migrations');
        expect(recorded.rows[0]).toEqual({ n: MIGRATIONS.length });
      } finally {
        await database.drop();
      }
    });

    describe('a server on PostgreSQL and Redis', () => {
      let server: TestServer;
      beforeAll(async () => {
        server = await startTestServer({ LOGIN_ACCOUNT_MAX_FAILURES: '3', LOGIN_IP_MAX_FAILURES: '10000' });
      });
      afterAll(() => server?.stop());

      it('keeps datetimes to the millisecond, in UTC, as the API shows them', async () => {
        const { user } = await registerAndLogin(server);
        const [row] = await selectRows(server, 'select (extract(epoch from created_at) * 1000)::bigint as ms from users where id = ?', [user.id]);
        expect(Number(row?.ms)).toBe(Date.parse(user.created_at));
      });

      it('keeps the login-failure counters in Redis under REDIS_KEY_PREFIX, keyed by a hash of the email, never the email', async () => {
        const { email } = await registerAndLogin(server);
        expect((await postJson(server.url, LOGIN, { email, password: 'not the password' })).status).toBe(401);
        const keys = await listKeys(server.config.redis?.url ?? '', server.config.redis?.keyPrefix ?? '-');
        const prefix = server.config.redis?.keyPrefix ?? '';
        expect(keys).toContain(`${prefix}login-ip:127.0.0.1`);
        expect(keys.some((key) => new RegExp(`^${prefix}login-account:[A-Za-z0-9_-]{43}$`).test(key))).toBe(true);
        expect(keys.join(' ')).not.toContain(email);
        expect(keys.join(' ')).not.toContain(email.split('@')[0]);
      });

      it('a second instance on the same database and Redis prefix sees the same counters: a locked account stays locked there', async () => {
        const { email } = await registerAndLogin(server);
        for (let attempt = 0; attempt < 3; attempt++) {
          expect((await postJson(server.url, LOGIN, { email, password: 'not the password' })).status).toBe(401);
        }
        const redis = server.config.redis;
        if (!redis) throw new Error('the postgres project runs every server with Redis');
        const second = await startTestServer({
          DATABASE_URL: server.databaseUrl,
          REDIS_URL: redis.url,
          REDIS_KEY_PREFIX: redis.keyPrefix,
          LOGIN_ACCOUNT_MAX_FAILURES: '3',
          LOGIN_IP_MAX_FAILURES: '10000',
        });
        try {
          expectProblem(await postJson(second.url, LOGIN, { email, password: GOOD_PASSWORD }), 429, 'too_many_login_failures');
          // Another account on the second instance is not affected.
          const other = await registerAndLogin(second, { email: uniqueEmail() });
          expect(other.token).toBeTruthy();
        } finally {
          await second.stop();
        }
      });
    });
  },
);
