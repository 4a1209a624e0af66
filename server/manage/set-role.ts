import type { components } from '../../generated/openapi.js';
import { loadConfig, loadDotEnv } from '../config.js';
import { MfaFactorSchema } from '../db/entities/mfa-factor.entity.js';
import { UserSchema } from '../db/entities/user.entity.js';
import { migrateToLatest, openDatabase } from '../db/orm.js';
import { recordAudit } from '../features/audit/audit-log.js';
import { revokeSessionsOf } from '../features/sessions/sessions.service.js';
import { normalizeEmail } from '../features/users/user-view.js';

type Role = components['schemas']['Role'];

/** Gives an account a role; 0 when done, 1 for an unknown email. */
export async function setRole(email: string, role: Role): Promise<number> {
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
        await revokeSessionsOf(em, user.id, 'demoted');
      }
      user.role = role;
      await em.flush();
    }
    console.log(`${user.email} is now ${role}.`);
    if (role === 'admin' && config.mfa.requireForAdmins && (await em.count(MfaFactorSchema, { user: user.id, confirmedAt: { $ne: null } })) === 0) {
      console.error(
        `warning: REQUIRE_MFA_FOR_ADMINS is on and ${user.email} has no authenticator app: admin operations answer 403 mfa_enrolment_required until they add one (authcli mfa enable).`,
      );
    }
    return 0;
  } finally {
    await orm.close();
  }
}
