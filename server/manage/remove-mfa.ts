import { removeSecondFactorOf } from '../features/mfa/factor-removal.js';
import { normalizeEmail } from '../features/users/user-view.js';
import { enqueueNotice } from '../mail/outbox.js';
import { mfaRemovedByAdminNotice } from '../mail/templates.js';
import { changeOneAccount, OPERATOR, reportUnknownEmail } from './account-command.js';
import { USAGE } from './usage.js';

/**
 * Removes an account's authenticator app, as the admin API's removeUserSecondFactor does: for the day the only
 * admin loses their phone and recovery codes, when no one can call the API. 0 when done, 1 when it cannot be done
 * (no such account, no app), 2 for a usage error. The owner's notice goes into the outbox; a running server's
 * sender delivers it.
 */
export async function removeMfa(args: string[]): Promise<number> {
  const [email, ...extra] = args;
  if (!email || extra.length > 0) {
    console.error(USAGE.removeMfa);
    return 2;
  }
  return changeOneAccount(email, async (orm, config) => {
    const actor = { client: OPERATOR };
    const notify: Parameters<typeof removeSecondFactorOf>[3] = (tx, user) => enqueueNotice(tx, config.mail, user, mfaRemovedByAdminNotice(), new Date());
    const user = await removeSecondFactorOf(orm.em.fork(), { email: normalizeEmail(email) }, actor, notify);
    if (!user) return reportUnknownEmail(email);
    console.log(`${user.email} has no authenticator app now: its recovery codes are gone and every session of the account has ended.`);
    return 0;
  });
}
