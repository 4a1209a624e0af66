import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { components } from '../../../generated/openapi.js';
import type { LoginThrottle } from '../../auth/login-throttle.js';
import type { PasswordPolicy } from '../../auth/password-policy.js';
import type { PasswordHasher } from '../../auth/passwords.js';
import { UserSchema, type User } from '../../db/entities/user.entity.js';
import type { EntityManager } from '../../db/orm.js';
import { AppError, accountDisabled, emailNotVerified, emailTaken, invalidCredentials, invalidToken, mfaRequired, wrongPassword } from '../../errors.js';
import type { AccountMail } from '../account-mail/account-mail.service.js';
import { deleteAccount } from '../accounts/accounts.service.js';
import { recordAudit, type AuditEntry, type ClientInfo } from '../audit/audit-log.js';
import type { MfaService } from '../mfa/mfa.service.js';
import type { SessionsService, TokenPair } from '../sessions/sessions.service.js';
import { normalizeEmail, toUserView, type UserView } from './user-view.js';

type RegisterRequest = components['schemas']['RegisterRequest'];
type Role = components['schemas']['Role'];

export interface UsersServiceDeps {
  /** The ORM's root manager; inside a request it resolves to that request's context. */
  em: EntityManager;
  passwords: PasswordHasher;
  passwordPolicy: PasswordPolicy;
  sessions: SessionsService;
  loginThrottle: LoginThrottle;
  /** Verification mail at registration, the notice and voided reset links after a password change. */
  mail: AccountMail;
  /** REQUIRE_VERIFIED_EMAIL: an unverified account cannot log in (told only once the password is proven). */
  requireVerifiedEmail: boolean;
  mfa: MfaService;
}

export class UsersService {
  constructor(private readonly deps: UsersServiceDeps) {}

  async register(input: RegisterRequest, client: ClientInfo): Promise<UserView> {
    await this.deps.loginThrottle.consumeRegistration(client.ip);
    const { mail } = this.deps;
    const user = await createAccount(this.deps, { ...input, role: 'member' }, { event: 'user_registered', client }, async (tx, created) => {
      await mail.queueVerification(tx, created, client);
    });
    mail.delivered();
    return user;
  }

  async login(rawEmail: string, password: string, client: ClientInfo): Promise<TokenPair> {
    const { em, passwords, loginThrottle, sessions } = this.deps;
    const email = normalizeEmail(rawEmail);
    // Name the account under attack so filtering the audit log by user shows it.
    await this.assertNotThrottled(email, client, async () => (await em.findOne(UserSchema, { email }))?.id ?? null);
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
    if (this.deps.requireVerifiedEmail && !user.emailVerifiedAt) {
      recordAudit(em, { event: 'login_failed', userId: user.id, client, details: { email, reason: 'email_not_verified' } });
      await em.flush();
      throw emailNotVerified();
    }
    // Last of the checks after the password: no token for a password alone on an account with a second factor.
    // The account's failure count is not cleared here, or each right password would buy fresh code guesses.
    if (await this.deps.mfa.hasConfirmedFactor(user.id)) {
      const mfaToken = await this.deps.mfa.startLogin(em, user.id);
      await em.flush();
      throw mfaRequired(mfaToken);
    }
    await loginThrottle.recordSuccess(email);
    await sessions.makeRoom(em, user.id, client);
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
    const { passwords, passwordPolicy, sessions, mail } = this.deps;
    const user = await this.findOrFail(userId);
    await this.confirmPassword(user, currentPassword, client);
    passwordPolicy.assertAcceptable(newPassword, user, '/body/new_password');
    const passwordHash = await passwords.hash(newPassword);
    const tokens = await this.deps.em.transactional(async (em) => {
      await em.nativeUpdate(UserSchema, { id: userId }, { passwordHash, updatedAt: new Date() });
      await sessions.revokeAllOf(em, userId, 'password_changed', sessionId);
      const tokens = await sessions.reissue(em, userId, sessionId);
      recordAudit(em, { event: 'password_changed', userId, client });
      await mail.passwordChanged(em, user);
      await em.flush();
      return tokens;
    });
    mail.delivered();
    return tokens;
  }

  async deleteAccount(userId: number, password: string, client: ClientInfo): Promise<void> {
    const { em } = this.deps;
    const user = await this.findOrFail(userId);
    await this.confirmPassword(user, password, client);
    await deleteAccount(em, user, { event: 'user_deleted', userId, client });
  }

  /**
   * The password that confirms a change (password change, deletion) is a guess like a login's: a stolen access
   * token must not buy unlimited tries. Failures count in the login throttle, per account and per address, and
   * once either is used up the answer is 429 like login's.
   */
  private async confirmPassword(user: User, password: string, client: ClientInfo): Promise<void> {
    const { passwords, loginThrottle } = this.deps;
    await this.assertNotThrottled(user.email, client, () => Promise.resolve(user.id));
    if (!(await passwords.verify(password, user.passwordHash))) {
      await loginThrottle.recordFailure(user.email, client.ip);
      throw wrongPassword();
    }
    await loginThrottle.recordSuccess(user.email);
  }

  /** The login throttle's check, with a throttled attempt written to the audit log. */
  private async assertNotThrottled(email: string, client: ClientInfo, targetId: () => Promise<number | null>): Promise<void> {
    const { em, loginThrottle } = this.deps;
    try {
      await loginThrottle.assertAllowed(email, client.ip);
    } catch (error) {
      // A 503 (the counters' store is down) is an outage, not a throttled attempt.
      if (error instanceof AppError && error.status === 429) {
        recordAudit(em, { event: 'login_throttled', userId: await targetId(), client, details: { email } });
        await em.flush();
      }
      throw error;
    }
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
  { em, passwords, passwordPolicy }: Pick<UsersServiceDeps, 'em' | 'passwords' | 'passwordPolicy'>,
  input: RegisterRequest & { role: Role },
  audit: Omit<AuditEntry, 'userId'>,
  /** More to write with the audit entry, e.g. the verification mail: one flush, one transaction. */
  alongside?: (em: EntityManager, user: User) => Promise<void>,
): Promise<UserView> {
  const email = normalizeEmail(input.email);
  passwordPolicy.assertAcceptable(input.password, { email, fullName: input.full_name ?? null }, '/body/password');
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
  await alongside?.(em, user);
  await em.flush();
  return toUserView(user);
}
