import { loadConfig, loadDotEnv, type Config } from '../config.js';
import { migrateToLatest, openDatabase, type Orm } from '../db/orm.js';
import { AppError } from '../errors.js';
import { normalizeEmail } from '../features/users/user-view.js';

/** Who acts, in the audit log, when a change comes from the server host's operator rather than an API caller. */
export const OPERATOR = { ip: null, userAgent: 'npm run manage' };

/**
 * What each manage command that changes one account does around its change: reads the configuration (`.env`
 * included), opens and migrates the database, and reports a refusal by the rules the API also applies (an
 * AppError, e.g. the last admin) as one line naming the account, exit 1. `change` answers the exit code.
 */
export async function changeOneAccount(email: string, change: (orm: Orm, config: Config) => Promise<number>): Promise<number> {
  loadDotEnv();
  const { config } = loadConfig();
  const orm = await openDatabase(config.database);
  try {
    await migrateToLatest(orm);
    return await change(orm, config);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    console.error(`${normalizeEmail(email)} stays as it is: ${error.message}`);
    return 1;
  } finally {
    await orm.close();
  }
}

export function reportUnknownEmail(email: string): number {
  console.error(`No account has the email ${normalizeEmail(email)}.`);
  return 1;
}
