import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { components } from '../../../generated/openapi.js';
import type { LoginThrottle } from '../../auth/login-throttle.js';
import { assertAcceptablePassword } from '../../auth/password-policy.js';
import type { PasswordHasher } from '../../auth/passwords.js';
import { UserSchema, type User } from '../../db/entities/user.entity.js';
import type { EntityManager } from '../../db/orm.js';
import { AppError, accountDisabled, emailTaken, invalidCredentials, invalidToken, mfaRequired, wrongPassword } from '../../errors.js';
import { recordAudit, type AuditEntry, type ClientInfo } from '../audit/audit-log.js';
import type { MfaService } from '../mfa/mfa.service.js';
import type { SessionsService, TokenPair } from '../sessions/sessions.service.js';
import { assertKeepsAnActiveAdmin } from './last-admin.js';
import { normalizeEmail, toUserView, type UserView } from './user-view.js';

type RegisterRequest = components['schemas']['RegisterRequest'];
type Role = components['schemas']['Role'];

export interface UsersServiceDeps {
  /** The ORM's root manager; inside a request it resolves to that request's context. */
  em: EntityManager;
  passwords: PasswordHasher;
  sessions: SessionsService;
  loginThrottle: LoginThrottle;
  mfa: MfaService;
}

export class UsersService {
  constructor(private readonly deps: UsersServiceDeps) {}

  async register(input: RegisterRequest, client: ClientInfo): Promise<UserView> {
    const { em, passwords } = this.deps;
    return createAccount(em, passwords, { ...input, role: 'member' }, { event: 'user_registered', client });
  }

  async login(rawEmail: string, password: string, client: ClientInfo): Promise<TokenPair> {
    const { em, passwords, loginThrottle, sessions } = this.deps;
    const email = normalizeEmail(rawEmail);
    try {
      await loginThrottle.assertAllowed(email, client.ip);
    } catch (error) {
      // A 503 (the counters' store is down) is an outage, not a throttled attempt.
      if (error instanceof AppError && error.status === 429) {
        // Name the account under attack so filtering the audit log by user shows it.
        const target = await em.findOne(UserSchema, { email });
        recordAudit(em, { event: 'login_throttled', userId: target?.id ?? null, client, details: { email } });
        await em.flush();
      }
      throw error;
    }
    const user = await em.findOne(UserSchema, { email });
    // Always run bcrypt, even for an unknown email: equal work, equal time.
    const matches = await passwords.verify(password, user?.passwordHash);
    if (!user || !matches) {
      await loginThrottle.recordFailure(email, client.ip);
      recordAudit(em, { event: 'login_failed', userId: user?.id ?? null, client, details: { email } });
      await em.flush();
      throw invalidCredentials();
    }
    // Said only once the password is proven, so it tells a guesser nothing; not
    // counted as a failure, since it was not a wrong guess.
    if (!user.isActive) {
      recordAudit(em, { event: 'login_failed', userId: user.id, client, details: { email, reason: 'account_disabled' } });
      await em.flush();
      throw accountDisabled();
    }
    // Last of the checks after the password: no token for a password alone on an account with a second factor.
    // The account's failure count is not cleared here, or each right password would buy fresh code guesses.
    if (await this.deps.mfa.hasConfirmedFactor(user.id)) {
      const mfaToken = await this.deps.mfa.startLogin(em, user.id);
      await em.flush();
      throw mfaRequired(mfaToken);
    }
    await loginThrottle.recordSuccess(email);
    const tokens = sessions.start(em, user.id, client);
    recordAudit(em, { event: 'login_succeeded', userId: user.id, client });
    await em.flush();
    return tokens;
  }

  async updateProfile(userId: number, fullName: string | null, client: ClientInfo): Promise<UserView> {
    const { em } = this.deps;
    const user = await this.findOrFail(userId);
    user.fullName = fullName;
    recordAudit(em, { event: 'profile_updated', userId, client });
    await em.flush();
    return toUserView(user);
  }

  async changePassword(
    userId: number,
    sessionId: string,
    currentPassword: string,
    newPassword: string,
    client: ClientInfo,
  ): Promise<TokenPair> {
    const { passwords, sessions } = this.deps;
    const user = await this.findOrFail(userId);
    if (!(await passwords.verify(currentPassword, user.passwordHash))) throw wrongPassword();
    assertAcceptablePassword(newPassword, user.email, '/body/new_password');
    const passwordHash = await passwords.hash(newPassword);
    return this.deps.em.transactional(async (em) => {
      await em.nativeUpdate(UserSchema, { id: userId }, { passwordHash, updatedAt: new Date() });
      await sessions.revokeAllOf(em, userId, 'password_changed', sessionId);
      const tokens = await sessions.reissue(em, userId, sessionId);
      recordAudit(em, { event: 'password_changed', userId, client });
      await em.flush();
      return tokens;
    });
  }

  async deleteAccount(userId: number, password: string, client: ClientInfo): Promise<void> {
    const { em, passwords } = this.deps;
    const user = await this.findOrFail(userId);
    if (!(await passwords.verify(password, user.passwordHash))) throw wrongPassword();
    await deleteUserAndSessions(em, user, { event: 'user_deleted', userId, client });
  }

  private async findOrFail(userId: number): Promise<User> {
    const user = await this.deps.em.findOne(UserSchema, { id: userId });
    // Authentication found this user a moment ago; gone now means deleted meanwhile.
    if (!user) throw invalidToken('The account no longer exists.');
    return user;
  }
}

/**
 * Makes an account, for registration and for an admin alike: one password
 * policy, one 409 for an email in use (the unique index decides, so two at
 * once cannot both win). The audit entry is written once the id is known.
 */
export async function createAccount(
  em: EntityManager,
  passwords: PasswordHasher,
  input: RegisterRequest & { role: Role },
  audit: Omit<AuditEntry, 'userId'>,
): Promise<UserView> {
  const email = normalizeEmail(input.email);
  assertAcceptablePassword(input.password, email, '/body/password');
  const user = em.create(UserSchema, {
    email,
    passwordHash: await passwords.hash(input.password),
    fullName: input.full_name ?? null,
    role: input.role,
    isActive: true,
  });
  try {
    await em.persistAndFlush(user);
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) {
      em.clear();
      throw emailTaken();
    }
    throw error;
  }
  recordAudit(em, { ...audit, userId: user.id });
  await em.flush();
  return toUserView(user);
}

/**
 * Sessions and refresh tokens go with the row (ON DELETE CASCADE); the audit
 * trail stays. Refuses to delete the last active admin, checked inside the
 * deleting transaction so two concurrent deletions cannot both pass.
 */
export async function deleteUserAndSessions(em: EntityManager, user: User, audit: Parameters<typeof recordAudit>[1]): Promise<void> {
  await em.transactional(async (tx) => {
    await assertKeepsAnActiveAdmin(tx, user);
    await tx.nativeDelete(UserSchema, { id: user.id });
    recordAudit(tx, { ...audit, details: { ...audit.details, email: user.email } });
    await tx.flush();
  });
  em.clear();
}
