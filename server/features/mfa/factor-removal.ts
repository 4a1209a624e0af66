import { MfaChallengeSchema } from '../../db/entities/mfa-challenge.entity.js';
import { MfaFactorSchema } from '../../db/entities/mfa-factor.entity.js';
import { RecoveryCodeSchema } from '../../db/entities/recovery-code.entity.js';
import { UserSchema, type User } from '../../db/entities/user.entity.js';
import type { EntityManager } from '../../db/orm.js';
import { mfaNotEnabled } from '../../errors.js';
import type { Actor } from '../accounts/accounts.service.js';
import { recordAudit } from '../audit/audit-log.js';
import { revokeSessionsOf } from '../sessions/session-rows.js';

/**
 * Deletes an account's authenticator app (confirmed or still pending), its recovery codes and its half-done
 * logins, in the caller's transaction. Answers whether there was an app.
 */
export async function deleteSecondFactor(tx: EntityManager, userId: number): Promise<boolean> {
  await tx.nativeDelete(RecoveryCodeSchema, { user: userId });
  await tx.nativeDelete(MfaChallengeSchema, { user: userId });
  return (await tx.nativeDelete(MfaFactorSchema, { user: userId })) > 0;
}

/**
 * The one place someone other than the owner removes an account's app, for an owner who lost both the phone and
 * the recovery codes: the admin API (`removeUserSecondFactor`) and `npm run manage -- remove-mfa` both come here.
 * Every session of the account ends (the lost phone may be in anyone's hands, with a session on it), the removal
 * is audited, and `notify` queues the owner's notice in the same transaction. Undefined when no account matches;
 * 409 `mfa_not_enabled` when it has no app.
 */
export async function removeSecondFactorOf(
  em: EntityManager,
  which: { id: number } | { email: string },
  actor: Actor,
  notify: (tx: EntityManager, user: User) => void,
): Promise<User | undefined> {
  return em.transactional(async (tx) => {
    const user = await tx.findOne(UserSchema, which, { refresh: true });
    if (!user) return undefined;
    if (!(await deleteSecondFactor(tx, user.id))) throw mfaNotEnabled();
    const ended = await revokeSessionsOf(tx, user.id, 'mfa_removed_by_admin');
    const { actorId = null, client } = actor;
    recordAudit(tx, { event: 'mfa_removed_by_admin', userId: user.id, actorId, client, details: { sessions_ended: ended } });
    notify(tx, user);
    await tx.flush();
    return user;
  });
}
