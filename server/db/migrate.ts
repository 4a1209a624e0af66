import { loadConfig, loadDotEnv } from '../config.js';
import { migrateToLatest, openDatabase } from './orm.js';

/** `npm run migrate`: applies pending migrations to whatever DATABASE_URL names. */
loadDotEnv();
const { config } = loadConfig();
const orm = await openDatabase(config.database);
try {
  const applied = await migrateToLatest(orm);
  console.log(applied.length === 0 ? 'Database is up to date.' : `Applied: ${applied.join(', ')}`);
} finally {
  await orm.close();
}
