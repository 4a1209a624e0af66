import { adminQuery, TEST_DATABASE_URL } from './postgres.js';

/** Older than this, a test database is a leftover of a run that was killed before its servers' `stop()`. */
const STALE_AFTER_MS = 60 * 60 * 1000;

/**
 * vitest globalSetup of the postgres project: drops the databases that killed
 * runs left behind, so they do not pile up on a machine that keeps its
 * PostgreSQL. Names carry their creation time (`authapi_t_<base36 ms>_<random>`);
 * anything recent may belong to a run still going, and is left alone.
 */
export default async function dropStaleTestDatabases(): Promise<void> {
  if (!TEST_DATABASE_URL) return;
  const { rows } = await adminQuery(TEST_DATABASE_URL, "select datname from pg_database where datname like 'authapi\\_t\\_%'");
  for (const { datname } of rows as { datname: string }[]) {
    const createdAt = parseInt(datname.split('_')[2] ?? '', 36);
    if (Number.isFinite(createdAt) && Date.now() - createdAt > STALE_AFTER_MS && /^authapi_t_[a-z0-9_]+$/.test(datname)) {
      await adminQuery(TEST_DATABASE_URL, `drop database if exists ${datname} with (force)`);
    }
  }
}
