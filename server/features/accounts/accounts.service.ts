import type { components } from '../../../generated/openapi.js';
import { UserSchema, type User } from '../../db/entities/user.entity.js';
import type { EntityManager } from '../../db/orm.js';
import { recordAudit, type AuditEntry, type ClientInfo } from '../audit/audit-log.js';
import { revokeSessionsOf } from '../sessions/session-rows.js';
import { assertKeepsAnActiveAdmin } from './last-admin.js';

type Role = components['schemas']['Role'];

/** Who makes a change: an admin through the API (`actorId`), or the server host's operator (`npm run manage`). */
export interface Actor {
  actorId?: number | null;
  client: ClientInfo;
}

export interface AccountChange {
  role?: Role;
  isActive?: boolean;
  /** Set or clear the email's verified mark (the admin API). */
  emailVerified?: boolean;
}

/**
 * The one place an account's role or activation changes: the admin API and `npm run manage -- set-role` both
 * come here, so both refuse to leave no active admin (manage's set-role once demoted the last one) and both end
 * what the old role or the active account could do. Runs in a transaction of its own; the user is read inside
 * it, under the last-admin lock. Undefined when no account matches.
 */
export async function changeAccount(
  em: EntityManager,
  which: { id: number } | { email: string },
  change: AccountChange,
  actor: Actor,
): Promise<User | undefined> {
  const changed = await em.transactional(async (tx) => {
    const user = await tx.findOne(UserSchema, which, { refresh: true });
    if (!user) return undefined;
    const demoted = change.role === 'member' && user.role === 'admin';
    const deactivated = change.isActive === false && user.isActive;
    if (demoted || deactivated) await assertKeepsAnActiveAdmin(tx, user);

    const userId = user.id;
    const { actorId = null, client } = actor;
    if (change.role !== undefined && change.role !== user.role) {
      recordAudit(tx, { event: 'role_changed', userId, actorId, client, details: { from: user.role, to: change.role } });
      user.role = change.role;
    }
    if (change.isActive !== undefined && change.isActive !== user.isActive) {
      recordAudit(tx, { event: 'activation_changed', userId, actorId, client, details: { is_active: change.isActive } });
      user.isActive = change.isActive;
    }
    if (change.emailVerified !== undefined && change.emailVerified !== (user.emailVerifiedAt != null)) {
      const details = { email_verified: change.emailVerified, email: user.email };
      recordAudit(tx, { event: 'email_verification_set', userId, actorId, client, details });
      user.emailVerifiedAt = change.emailVerified ? new Date() : null;
    }
    // Whatever the account could do with its old role or while active ends now.
    if (deactivated) await revokeSessionsOf(tx, userId, 'deactivated');
    else if (demoted) await revokeSessionsOf(tx, userId, 'demoted');
    await tx.flush();
    return user;
  });
  return changed;
}

/**
 * Sessions and refresh tokens go with the row (ON DELETE CASCADE); the audit trail stays. Refuses to delete the
 * last active admin, checked inside the deleting transaction so two concurrent deletions cannot both pass. For
 * self-service deletion and the admin API alike.
 */
export async function deleteAccount(em: EntityManager, user: User, audit: AuditEntry): Promise<void> {
  await em.transactional(async (tx) => {
    await assertKeepsAnActiveAdmin(tx, user);
    await tx.nativeDelete(UserSchema, { id: user.id });
    recordAudit(tx, { ...audit, details: { ...audit.details, email: user.email } });
    await tx.flush();
  });
  em.clear();
}
