import { loadConfig, loadDotEnv, ConfigError } from './config.js';
import { SessionSchema } from './db/entities/session.entity.js';
import { UserSchema } from './db/entities/user.entity.js';
import { recordAudit } from './features/audit/audit-log.js';
import { migrateToLatest, openDatabase } from './db/orm.js';
import { normalizeEmail } from './features/users/user-view.js';

/**
 * Operator commands, run on the server host against whatever DATABASE_URL
 * names. There is no default admin account: the first one is made here.
 *
 *   npm run --silent manage -- set-role <email> <member|admin>
 */
const USAGE = 'usage: npm run --silent manage -- set-role <email> <member|admin>';

async function main(args: string[]): Promise<number> {
  const [command, email, role] = args;
  if (command !== 'set-role' || !email || (role !== 'member' && role !== 'admin')) {
    console.error(USAGE);
    return 2;
  }
  loadDotEnv();
  const { config } = loadConfig();
  const orm = await openDatabase(config.database);
  try {
    await migrateToLatest(orm);
    const em = orm.em.fork();
    const user = await em.findOne(UserSchema, { email: normalizeEmail(email) });
    if (!user) {
      console.error(`No account has the email ${normalizeEmail(email)}.`);
      return 1;
    }
    if (user.role !== role) {
      recordAudit(em, {
        event: 'role_changed',
        userId: user.id,
        client: { ip: null, userAgent: 'npm run manage' },
        details: { from: user.role, to: role },
      });
      // As through the admin API: a demotion ends what the old role could do.
      if (role === 'member') {
        await em.nativeUpdate(SessionSchema, { user: user.id, revokedAt: null }, { revokedAt: new Date(), revokedReason: 'demoted' });
      }
      user.role = role;
      await em.flush();
    }
    console.log(`${user.email} is now ${role}.`);
    return 0;
  } finally {
    await orm.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : `manage failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
