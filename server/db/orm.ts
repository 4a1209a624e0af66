import { MikroORM, type Options } from '@mikro-orm/core';
import type { AbstractSqlDriver, EntityManager } from '@mikro-orm/knex';
import { Migrator } from '@mikro-orm/migrations';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { SqliteDriver } from '@mikro-orm/sqlite';
import type { DatabaseConfig } from '../config.js';
import { AuditEventSchema } from './entities/audit-event.entity.js';
import { LinkTokenSchema } from './entities/link-token.entity.js';
import { OutboxMailSchema } from './entities/outbox-mail.entity.js';
import { MfaChallengeSchema } from './entities/mfa-challenge.entity.js';
import { MfaFactorSchema } from './entities/mfa-factor.entity.js';
import { RecoveryCodeSchema } from './entities/recovery-code.entity.js';
import { RefreshTokenSchema } from './entities/refresh-token.entity.js';
import { SessionSchema } from './entities/session.entity.js';
import { UserSchema } from './entities/user.entity.js';
import { withMigrationLock } from './migration-lock.js';
import { requestEntityManager } from './request-scope.js';
import { migrationsList } from './migrations/index.js';

export type Orm = MikroORM<AbstractSqlDriver, EntityManager>;
export type { EntityManager };

export const entities = [
  UserSchema,
  SessionSchema,
  RefreshTokenSchema,
  AuditEventSchema,
  LinkTokenSchema,
  OutboxMailSchema,
  MfaFactorSchema,
  RecoveryCodeSchema,
  MfaChallengeSchema,
];

/**
 * Opens the database named by `DATABASE_URL`. The schema is never derived from
 * the entities at run time: only the committed migrations change it.
 */
export async function openDatabase(database: DatabaseConfig): Promise<Orm> {
  const orm = await initOrm(database);
  // Inside a request, `orm.em` stands for that request's own fork (made on first use).
  orm.config.set('context', () => requestEntityManager(orm.em));
  return orm;
}

async function initOrm(database: DatabaseConfig): Promise<Orm> {
  const common: Options<AbstractSqlDriver> = {
    entities,
    extensions: [Migrator],
    migrations: { migrationsList, transactional: true, allOrNothing: true, snapshot: false, silent: true },
    // Each request gets its own context (see db/request-scope.ts); a
    // global one would share an identity map between users.
    allowGlobalContext: false,
    discovery: { warnWhenNoEntities: true },
    debug: false,
    ensureDatabase: false,
  };
  if (database.kind === 'postgresql') {
    return (await MikroORM.init<AbstractSqlDriver>({ ...common, driver: PostgreSqlDriver, clientUrl: database.url })) as Orm;
  }
  const orm = (await MikroORM.init<AbstractSqlDriver>({
    ...common,
    driver: SqliteDriver,
    dbName: database.path,
  })) as Orm;
  const connection = orm.em.getConnection();
  // WAL lets readers proceed during a write and survives a killed process;
  // busy_timeout makes a second process (npm run manage) wait instead of failing.
  await connection.execute('pragma journal_mode = wal');
  await connection.execute('pragma synchronous = normal');
  await connection.execute('pragma busy_timeout = 5000');
  return orm;
}

export async function migrateToLatest(orm: Orm): Promise<string[]> {
  const applied = await withMigrationLock(orm, () => orm.getMigrator().up());
  return applied.map((migration) => migration.name);
}

export async function pendingMigrations(orm: Orm): Promise<string[]> {
  return (await orm.getMigrator().getPendingMigrations()).map((migration) => migration.name);
}
