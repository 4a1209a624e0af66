import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserSchema } from '../server/db/entities/user.entity.js';
import { migrateToLatest, openDatabase, type Orm } from '../server/db/orm.js';
import { runInRequestScope } from '../server/db/request-scope.js';
import { createTestDatabase, TEST_BACKEND, type TestDatabase } from './helpers/postgres.js';

// The ORM alone, on this project's real database: what each request's `orm.em` resolves to.
let orm: Orm;
let dir: string;
let database: TestDatabase | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'authapi-scope-'));
  database = TEST_BACKEND === 'postgres' ? await createTestDatabase() : undefined;
  orm = await openDatabase(database ? { kind: 'postgresql', url: database.url } : { kind: 'sqlite', path: join(dir, 'scope.db') });
  await migrateToLatest(orm);
});

afterAll(async () => {
  await orm.close(true);
  await database?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('request scope', () => {
  it('gives each request its own EntityManager, the same one throughout the request', async () => {
    const seen = await Promise.all(
      [1, 2].map((request) =>
        runInRequestScope(async () => {
          const first = orm.em.getContext();
          await new Promise((resolve) => setTimeout(resolve, 5 * request));
          return { first, later: orm.em.getContext() };
        }),
      ),
    );
    const [one, two] = seen;
    expect(one?.first).toBe(one?.later);
    expect(two?.first).toBe(two?.later);
    expect(one?.first).not.toBe(two?.first);
    expect(one?.first).not.toBe(orm.em);
  });

  it('keeps one identity map per request: an entity loaded in one request is not the one another sees', async () => {
    await runInRequestScope(async () => {
      orm.em.create(UserSchema, { email: 'scope@example.com', passwordHash: 'x', fullName: null, role: 'member', isActive: true, createdAt: new Date() });
      await orm.em.flush();
    });
    const load = () => runInRequestScope(() => orm.em.findOneOrFail(UserSchema, { email: 'scope@example.com' }));
    const [a, b] = await Promise.all([load(), load()]);
    expect(a.id).toBe(b.id);
    expect(a).not.toBe(b);
  });

  it('refuses the global EntityManager outside a request', async () => {
    await expect(orm.em.findOne(UserSchema, { email: 'scope@example.com' })).rejects.toThrow(/global EntityManager/);
  });
});
