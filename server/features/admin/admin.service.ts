import type { components } from '../../../generated/openapi.js';
import type { LoginThrottle } from '../../auth/login-throttle.js';
import type { PasswordPolicy } from '../../auth/password-policy.js';
import type { PasswordHasher } from '../../auth/passwords.js';
import { AuditEventSchema } from '../../db/entities/audit-event.entity.js';
import { UserSchema, type User } from '../../db/entities/user.entity.js';
import type { EntityManager } from '../../db/orm.js';
import { userNotFound } from '../../errors.js';
import { mfaRemovedByAdminNotice } from '../../mail/templates.js';
import { recordAudit, type AuditEventType, type ClientInfo } from '../audit/audit-log.js';
import type { SessionsService } from '../sessions/sessions.service.js';
import type { AccountMail } from '../account-mail/account-mail.service.js';
import { changeAccount, deleteAccount } from '../accounts/accounts.service.js';
import { removeSecondFactorOf } from '../mfa/factor-removal.js';
import { createAccount } from '../users/users.service.js';
import { normalizeEmail, toUserView, type UserView } from '../users/user-view.js';

type UserPage = components['schemas']['UserPage'];
type AuditEventPage = components['schemas']['AuditEventPage'];
type AdminUpdate = components['schemas']['AdminUpdateUserRequest'];
type AdminCreateUser = components['schemas']['AdminCreateUserRequest'];

export interface Page {
  limit: number;
  offset: number;
}

export interface AdminServiceDeps {
  em: EntityManager;
  sessions: SessionsService;
  passwords: PasswordHasher;
  passwordPolicy: PasswordPolicy;
  loginThrottle: LoginThrottle;
  mail: AccountMail;
}

/** Operations on any account, for callers that authentication found to be admins. */
export class AdminService {
  constructor(private readonly deps: AdminServiceDeps) {}

  async listUsers(page: Page, email: string | undefined): Promise<UserPage> {
    const where = email === undefined ? {} : { email: normalizeEmail(email) };
    const [users, total] = await this.deps.em.findAndCount(UserSchema, where, { ...page, orderBy: { id: 'asc' } });
    return { items: users.map(toUserView), total };
  }

  async getUser(userId: number): Promise<UserView> {
    return toUserView(await this.findOrFail(userId));
  }

  /** An account set up by an admin, with a temporary password the admin passes on. */
  async createUser(actorId: number, input: AdminCreateUser, client: ClientInfo): Promise<UserView> {
    const { role = 'member', ...account } = input;
    return createAccount(this.deps, { ...account, role }, { event: 'user_created', actorId, client, details: { role } });
  }

  /**
   * A new password for someone who cannot log in. Every session of the account
   * ends, as after a password change (a holder of an old token must not keep
   * it); its role, activation and failed-login counter stay as they are.
   */
  async setUserPassword(actorId: number, userId: number, password: string, client: ClientInfo): Promise<void> {
    const { em, passwords, passwordPolicy, sessions, mail } = this.deps;
    const user = await this.findOrFail(userId);
    passwordPolicy.assertAcceptable(password, user, '/body/password');
    const passwordHash = await passwords.hash(password);
    await em.transactional(async (tx) => {
      await tx.nativeUpdate(UserSchema, { id: userId }, { passwordHash, updatedAt: new Date() });
      const ended = await sessions.revokeAllOf(tx, userId, 'password_set_by_admin');
      recordAudit(tx, { event: 'password_set_by_admin', userId, actorId, client, details: { sessions_ended: ended } });
      await mail.passwordChanged(tx, user);
      await tx.flush();
    });
    mail.delivered();
  }

  /** Lifts a lock-out: the account's failed logins are forgotten, in whatever store counts them. */
  async unlockUser(actorId: number, userId: number, client: ClientInfo): Promise<void> {
    const { em, loginThrottle } = this.deps;
    const user = await this.findOrFail(userId);
    await loginThrottle.clearAccount(user.email);
    recordAudit(em, { event: 'user_unlocked', userId, actorId, client });
    await em.flush();
  }

  /** For an owner who lost the app and its recovery codes: see removeSecondFactorOf. */
  async removeUserSecondFactor(actorId: number, userId: number, client: ClientInfo): Promise<void> {
    const { em, mail } = this.deps;
    const removed = await removeSecondFactorOf(em, { id: userId }, { actorId, client }, (tx, user) => mail.notify(tx, user, mfaRemovedByAdminNotice()));
    if (!removed) throw userNotFound();
    mail.delivered();
  }

  async updateUser(actorId: number, userId: number, change: AdminUpdate, client: ClientInfo): Promise<UserView> {
    const user = await changeAccount(
      this.deps.em,
      { id: userId },
      { role: change.role, isActive: change.is_active, emailVerified: change.email_verified },
      { actorId, client },
    );
    if (!user) throw userNotFound();
    return toUserView(user);
  }

  async deleteUser(actorId: number, userId: number, client: ClientInfo): Promise<void> {
    const { em } = this.deps;
    const user = await this.findOrFail(userId);
    await deleteAccount(em, user, { event: 'user_deleted', userId, actorId, client });
  }

  async listAuditEvents(page: Page, filter: { userId?: number; event?: AuditEventType }): Promise<AuditEventPage> {
    const where = {
      ...(filter.userId === undefined ? {} : { userId: filter.userId }),
      ...(filter.event === undefined ? {} : { event: filter.event }),
    };
    const [events, total] = await this.deps.em.findAndCount(AuditEventSchema, where, { ...page, orderBy: { id: 'desc' } });
    return {
      items: events.map((event) => ({
        id: event.id,
        at: event.at.toISOString(),
        event: event.event,
        user_id: event.userId ?? null,
        actor_id: event.actorId ?? null,
        ip: event.ip ?? null,
        user_agent: event.userAgent ?? null,
        details: event.details ?? null,
      })),
      total,
    };
  }

  private async findOrFail(userId: number): Promise<User> {
    const user = await this.deps.em.findOne(UserSchema, { id: userId });
    if (!user) throw userNotFound();
    return user;
  }
}
