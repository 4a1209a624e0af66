import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { Orm } from './orm.js';

/** Any fixed number: every instance of this application asks for the same lock. */
const MIGRATION_LOCK_KEY = 4_210_526_315;

/**
 * Runs `work` (applying migrations) while no other instance does. Several
 * instances started at once on one PostgreSQL would otherwise all see the same
 * pending migrations and race to create the same tables; the losers would fail
 * to start. A transaction-scoped advisory lock is released by commit, rollback
 * or a dropped connection, so a crashed instance never leaves it held. The
 * migrator runs on another pooled connection while this one holds the lock.
 *
 * SQLite needs none: one server process owns the file (npm start is single-process).
 */
export async function withMigrationLock<T>(orm: Orm, work: () => Promise<T>): Promise<T> {
  if (!(orm.em.getDriver() instanceof PostgreSqlDriver)) return work();
  return orm.em
    .getConnection()
    .getKnex()
    .transaction(async (trx) => {
      await trx.raw('select pg_advisory_xact_lock(?)', [MIGRATION_LOCK_KEY]);
      return work();
    });
}
