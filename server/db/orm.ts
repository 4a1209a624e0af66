import { MikroORM, type Options } from '@mikro-orm/core';
import type { AbstractSqlDriver, EntityManager } from '@mikro-orm/knex';
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
import { MIGRATION_NAMES } from './migrations/names.js';

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
    // The list of migrations (and the migrator) are added only when one is pending: see loadMigrator.
    migrations: { transactional: true, allOrNothing: true, snapshot: false, silent: true },
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

/**
 * Applies the pending migrations. Most starts find none: that is one query on the migrations table, and the
 * migrator (umzug and its command-line parser, a third of a second to load) is loaded only when something is to do.
 * On PostgreSQL it then runs under the lock, where it looks again, so instances starting together still apply each
 * migration once.
 */
export async function migrateToLatest(orm: Orm): Promise<string[]> {
  if ((await pendingMigrations(orm)).length === 0) return [];
  const migrator = await loadMigrator(orm);
  const applied = await withMigrationLock(orm, () => migrator.up());
  return applied.map((migration) => migration.name);
}

/** The known migrations the database has not recorded, in order: the migrator's own answer, read directly. */
export async function pendingMigrations(orm: Orm): Promise<string[]> {
  const applied = new Set(await appliedMigrations(orm));
  return MIGRATION_NAMES.filter((name) => !applied.has(name));
}

/**
 * Names in the migrator's table, read as its storage does (@mikro-orm/migrations MigrationStorage: the table
 * named in the options, in the configured or the platform's default schema, names without a .js/.ts ending).
 * No table yet means nothing applied; the migrator creates it.
 */
async function appliedMigrations(orm: Orm): Promise<string[]> {
  const tableName = orm.config.get('migrations').tableName ?? 'mikro_orm_migrations';
  const schema = orm.config.get('schema', orm.em.getPlatform().getDefaultSchemaName());
  const knex = orm.em.getConnection().getKnex();
  const query = knex.select('name').from<{ name: string }>(tableName);
  let rows: { name: string }[];
  try {
    rows = await (schema ? query.withSchema(schema) : query);
  } catch (error) {
    const schemaBuilder = schema ? knex.schema.withSchema(schema) : knex.schema;
    if (await schemaBuilder.hasTable(tableName)) throw error;
    return [];
  }
  return rows.map((row) => row.name.replace(/\.[jt]s$/, ''));
}

const withMigrator = new WeakSet<Orm>();

/** Registers the migrator with the full list of migration classes, on first need. */
async function loadMigrator(orm: Orm) {
  const [{ Migrator }, { migrationsList }] = await Promise.all([import('@mikro-orm/migrations'), import('./migrations/index.js')]);
  if (!withMigrator.has(orm)) {
    orm.config.set('migrations', { ...orm.config.get('migrations'), migrationsList });
    Migrator.register(orm);
    withMigrator.add(orm);
  }
  return orm.getMigrator();
}
