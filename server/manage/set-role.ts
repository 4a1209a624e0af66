import type { components } from '../../generated/openapi.js';
import { MfaFactorSchema } from '../db/entities/mfa-factor.entity.js';
import { changeAccount } from '../features/accounts/accounts.service.js';
import { normalizeEmail } from '../features/users/user-view.js';
import { changeOneAccount, OPERATOR, reportUnknownEmail } from './account-command.js';

type Role = components['schemas']['Role'];

/** Gives an account a role; 0 when done, 1 for an unknown email or a refused change (the last active admin). */
export async function setRole(email: string, role: Role): Promise<number> {
  return changeOneAccount(email, async (orm, config) => {
    // The admin API's own path: the same last-admin guard, audit entry and session ending.
    const changed = await changeAccount(orm.em.fork(), { email: normalizeEmail(email) }, { role }, { client: OPERATOR });
    if (!changed) return reportUnknownEmail(email);
    console.log(`${changed.email} is now ${role}.`);
    const hasFactor = async () => (await orm.em.fork().count(MfaFactorSchema, { user: changed.id, confirmedAt: { $ne: null } })) > 0;
    if (role === 'admin' && config.mfa.requireForAdmins && !(await hasFactor())) {
      console.error(
        `warning: REQUIRE_MFA_FOR_ADMINS is on and ${changed.email} has no authenticator app: admin operations answer 403 mfa_enrolment_required until they add one (authcli mfa enable).`,
      );
    }
    return 0;
  });
}
