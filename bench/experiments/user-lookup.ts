/**
 * In-process cost of the /me database step, without HTTP: `em.findOne` (what UsersService.findActiveUser does
 * today) against one raw statement through `em.getConnection().execute`, on whichever driver the project at
 * `root` is built with. Reports process CPU per call (all threads), which a busy machine inflates far less than
 * wall time. Build the project at `root` first.
 *
 *   node --import tsx bench/experiments/user-lookup.ts [root] [--calls 3000]
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { EntitySchema, MikroORM } from '@mikro-orm/core';

interface OrmModule {
  openDatabase(database: { kind: 'sqlite'; path: string }): Promise<MikroORM>;
  migrateToLatest(orm: MikroORM): Promise<string[]>;
}
interface EntityModule {
  UserSchema: EntitySchema;
}
interface CoreModule {
  RequestContext: { create<T>(em: MikroORM['em'], next: () => Promise<T>): Promise<T> };
}

const ACTIVE_USER_SQL = 'select id, email, full_name, role, created_at from users where id = ? and is_active = true';

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { calls: { type: 'string', default: '3000' } } });
  const root = resolve(positionals[0] ?? '.');
  const calls = Number(values.calls);
  const load = (path: string) => import(pathToFileURL(join(root, path)).href);
  const { openDatabase, migrateToLatest }: OrmModule = await load('dist/server/db/orm.js');
  const { UserSchema }: EntityModule = await load('dist/server/db/entities/user.entity.js');
  // The project's own copy, so RequestContext is the one its ORM checks.
  const { RequestContext }: CoreModule = await load('node_modules/@mikro-orm/core/index.js');

  const path = join(tmpdir(), `user-lookup-${process.pid}.db`);
  const orm = await openDatabase({ kind: 'sqlite', path });
  try {
    await migrateToLatest(orm);
    const em = orm.em.fork();
    em.create(UserSchema, { email: 'lookup@example.com', passwordHash: 'x', fullName: null, role: 'member', isActive: true });
    await em.flush();

    const variants: Record<string, () => Promise<unknown>> = {
      'em.findOne': () => RequestContext.create(orm.em, () => orm.em.findOne(UserSchema, { id: 1, isActive: true })),
      'raw execute': () => orm.em.getConnection().execute(ACTIVE_USER_SQL, [1], 'all'),
    };
    const best = new Map<string, { cpu: number; wall: number }>();
    for (let round = 0; round < 3; round++) {
      for (const [name, call] of Object.entries(variants)) {
        for (let i = 0; i < 500; i++) await call();
        const cpu = process.cpuUsage();
        const started = performance.now();
        for (let i = 0; i < calls; i++) await call();
        const used = process.cpuUsage(cpu);
        const sample = { cpu: (used.user + used.system) / calls, wall: ((performance.now() - started) * 1000) / calls };
        const previous = best.get(name);
        if (!previous || sample.cpu < previous.cpu) best.set(name, sample);
      }
    }
    for (const [name, { cpu, wall }] of best) console.log(`${root}  ${name.padEnd(12)} ${cpu.toFixed(0).padStart(5)} µs CPU/call  ${wall.toFixed(0).padStart(5)} µs wall/call (best of 3)`);
  } finally {
    await orm.close(true);
    for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
  }
}

await main();
