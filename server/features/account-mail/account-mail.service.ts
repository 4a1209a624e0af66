import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { PasswordPolicy } from '../../auth/password-policy.js';
import type { PasswordHasher } from '../../auth/passwords.js';
import type { Clock } from '../../clock.js';
import type { MailConfig } from '../../config.js';
import type { OutboxMail } from '../../db/entities/outbox-mail.entity.js';
import { UserSchema, type User } from '../../db/entities/user.entity.js';
import type { EntityManager } from '../../db/orm.js';
import { emailAlreadyVerified, emailTaken, invalidResetToken, invalidToken, invalidVerificationToken, mailDisabled, wrongPassword } from '../../errors.js';
import { countLinkTokensSince, findLiveLinkToken, issueLinkToken, linkFor, spendLinkToken, voidLinkTokens } from '../../mail/link-tokens.js';
import type { MailThrottle } from '../../mail/mail-throttle.js';
import { dueMessage, enqueueMail, enqueueNotice, enqueueResetRequest } from '../../mail/outbox.js';
import * as templates from '../../mail/templates.js';
import { recordAudit, type ClientInfo } from '../audit/audit-log.js';
import type { ResetSecondFactor, SecondFactorProof } from '../mfa/second-factor.js';
import type { SessionsService, TokenPair } from '../sessions/sessions.service.js';
import { normalizeEmail, toUserView, type UserView } from '../users/user-view.js';

export interface AccountMailDeps {
  em: EntityManager;
  passwords: PasswordHasher;
  passwordPolicy: PasswordPolicy;
  sessions: SessionsService;
  settings: MailConfig;
  clock: Clock;
  throttle: MailThrottle;
  /** The account's authenticator app, asked before a reset link gets anyone in (MfaService's, wired in app.ts). */
  secondFactor: ResetSecondFactor;
  /** Tells this instance's sender that mail was queued (undefined with MAIL_DISABLED). */
  wake: (() => void) | undefined;
}

const HOUR_MS = 3_600_000;

/**
 * Password reset, email verification, email change and the security notices: every mail of an account,
 * written to the outbox in the transaction of the change it speaks of.
 */
export class AccountMail {
  constructor(private readonly deps: AccountMailDeps) {}

  get enabled(): boolean {
    return this.deps.settings.transport !== 'disabled';
  }

  /**
   * The same work for any email: the address throttle and one insert. The account is looked up off the request,
   * and not right after it either: the sender is not woken, its next poll (within a second) takes the request, so
   * the work a known email causes does not follow its 202 at once, where the timing of the caller's next request
   * could show it (measured: woken at once, the request after a known email's was ~20 % slower).
   */
  async requestPasswordReset(rawEmail: string, client: ClientInfo): Promise<void> {
    this.assertEnabled();
    await this.deps.throttle.consume(client.ip);
    const { em } = this.deps;
    enqueueResetRequest(em, normalizeEmail(rawEmail), client, this.now());
    await em.flush();
  }

  /** Run by the sender on a queued forgot-password request, in its transaction: a mail for an active account, else nothing. */
  async takeResetRequest(em: EntityManager, row: OutboxMail): Promise<void> {
    const now = this.now();
    const client = { ip: row.requestIp ?? null, userAgent: row.requestUserAgent ?? null };
    const user = await em.findOne(UserSchema, { email: row.recipient });
    const outcome = !user ? 'no_account' : !user.isActive ? 'account_disabled' : (await this.overAccountLimit(em, user.id, now)) ? 'throttled' : 'sent';
    recordAudit(em, { event: 'password_reset_requested', userId: user?.id ?? null, client, details: { email: row.recipient, outcome } });
    if (!user || outcome !== 'sent') {
      Object.assign(row, { status: 'dropped', leaseExpiresAt: null });
      return;
    }
    const { passwordResetUrl, passwordResetTtlSeconds } = this.deps.settings;
    const token = await issueLinkToken(em, { userId: user.id, purpose: 'password_reset', email: user.email, ttlSeconds: passwordResetTtlSeconds, now });
    const mail = templates.passwordResetMail(linkFor(passwordResetUrl, token), passwordResetTtlSeconds);
    // The request row becomes the mail: delivered by the same loop, on its next turn.
    Object.assign(row, dueMessage(mail, user.id, now));
  }

  /**
   * A new password from a reset link, and for an account with an authenticator app a code from it (`proof`): the
   * mailbox alone is one factor. Every session ends (whoever had one may be the reason for the reset), the
   * email counts as verified (the link proved it is read), and a notice without a link goes to the address.
   */
  async resetPassword(token: string, newPassword: string, proof: SecondFactorProof | undefined, client: ClientInfo): Promise<TokenPair> {
    this.assertEnabled();
    const { em, passwords, passwordPolicy, sessions } = this.deps;
    const found = await findLiveLinkToken(em, token, ['password_reset'], this.now());
    const user = found?.user;
    if (!found || !user?.isActive || user.email !== found.email) throw invalidResetToken();
    // Checked before the token is spent: a refused password or code leaves the link usable.
    passwordPolicy.assertAcceptable(newPassword, { email: user.email, fullName: user.fullName }, '/body/new_password');
    const amr = await this.deps.secondFactor(user, proof, client);
    const passwordHash = await passwords.hash(newPassword);
    const tokens = await em.transactional(async (tx) => {
      const now = this.now();
      if (!(await spendLinkToken(tx, found.id, now))) throw invalidResetToken();
      await tx.nativeUpdate(UserSchema, { id: user.id }, { passwordHash, updatedAt: now, emailVerifiedAt: user.emailVerifiedAt ?? now });
      await voidLinkTokens(tx, user.id, ['password_reset'], now);
      const ended = await sessions.revokeAllOf(tx, user.id, 'password_reset');
      const pair = sessions.start(tx, user.id, client, amr);
      recordAudit(tx, { event: 'password_reset', userId: user.id, client, details: { sessions_ended: ended, amr: amr.join(' ') } });
      this.notify(tx, user, templates.passwordResetNotice());
      await tx.flush();
      return pair;
    });
    this.deps.wake?.();
    return tokens;
  }

  /** A verification link (the address it was sent to becomes verified) or an email-change link (the account moves to it). */
  async verifyEmail(token: string, client: ClientInfo): Promise<UserView> {
    this.assertEnabled();
    const { em } = this.deps;
    const found = await findLiveLinkToken(em, token, ['email_verify', 'email_change'], this.now());
    const user = found?.user;
    // A verification link for an address the account no longer has proves nothing.
    if (!found || !user || (found.purpose === 'email_verify' && user.email !== found.email)) throw invalidVerificationToken();
    try {
      await em.transactional(async (tx) => {
        const now = this.now();
        if (found.purpose === 'email_change' && (await tx.count(UserSchema, { email: found.email, id: { $ne: user.id } })) > 0) throw emailTaken();
        if (!(await spendLinkToken(tx, found.id, now))) throw invalidVerificationToken();
        const previous = user.email;
        const changed = found.purpose === 'email_change';
        await tx.nativeUpdate(UserSchema, { id: user.id }, { email: found.email, emailVerifiedAt: changed ? now : (user.emailVerifiedAt ?? now), updatedAt: now });
        if (changed) {
          // Links to the old address prove nothing about the new one.
          await voidLinkTokens(tx, user.id, ['email_verify', 'email_change', 'password_reset'], now);
          recordAudit(tx, { event: 'email_changed', userId: user.id, client, details: { from: previous, to: found.email } });
        } else {
          recordAudit(tx, { event: 'email_verified', userId: user.id, client, details: { email: found.email } });
        }
        await tx.flush();
      });
    } catch (error) {
      // The unique index decides a race with a registration of the same address.
      if (error instanceof UniqueConstraintViolationException) throw emailTaken();
      throw error;
    }
    const fresh = await em.fork().findOne(UserSchema, { id: user.id });
    if (!fresh) throw invalidVerificationToken();
    return toUserView(fresh);
  }

  async resendVerification(userId: number, client: ClientInfo): Promise<void> {
    this.assertEnabled();
    const user = await this.findOrFail(userId);
    if (user.emailVerifiedAt) throw emailAlreadyVerified();
    await this.deps.throttle.consume(client.ip);
    await this.deps.em.transactional(async (tx) => {
      if (await this.queueVerification(tx, user, client)) recordAudit(tx, { event: 'email_verification_sent', userId: user.id, client, details: { email: user.email } });
      await tx.flush();
    });
    this.deps.wake?.();
  }

  /**
   * A verification mail, in the caller's transaction; whether one was queued (none with mail disabled or past the
   * account's limit). Registration's is not audited on its own: `user_registered` implies it.
   */
  async queueVerification(em: EntityManager, user: Pick<User, 'id' | 'email'>, client: ClientInfo): Promise<boolean> {
    if (!this.enabled) return false;
    const now = this.now();
    if (await this.throttled(em, user.id, now, client)) return false;
    const { emailVerifyUrl, emailVerificationTtlSeconds } = this.deps.settings;
    const token = await issueLinkToken(em, { userId: user.id, purpose: 'email_verify', email: user.email, ttlSeconds: emailVerificationTtlSeconds, now });
    enqueueMail(em, { email: user.email, userId: user.id }, templates.verifyEmailMail(linkFor(emailVerifyUrl, token), emailVerificationTtlSeconds), now);
    return true;
  }

  /** A confirmation link to the new address and a notice to the current one; the email changes when the link is used. */
  async changeEmail(userId: number, rawNewEmail: string, password: string, client: ClientInfo): Promise<void> {
    this.assertEnabled();
    const { em, passwords } = this.deps;
    const user = await this.findOrFail(userId);
    if (!(await passwords.verify(password, user.passwordHash))) throw wrongPassword();
    await this.deps.throttle.consume(client.ip);
    const newEmail = normalizeEmail(rawNewEmail);
    if ((await em.count(UserSchema, { email: newEmail })) > 0) throw emailTaken();
    await em.transactional(async (tx) => {
      const now = this.now();
      if (await this.throttled(tx, user.id, now, client)) return;
      const { emailVerifyUrl, emailVerificationTtlSeconds } = this.deps.settings;
      const token = await issueLinkToken(tx, { userId: user.id, purpose: 'email_change', email: newEmail, ttlSeconds: emailVerificationTtlSeconds, now });
      enqueueMail(tx, { email: newEmail, userId: user.id }, templates.emailChangeMail(linkFor(emailVerifyUrl, token), newEmail, emailVerificationTtlSeconds), now);
      this.notify(tx, user, templates.emailChangeRequestedNotice(newEmail));
      recordAudit(tx, { event: 'email_change_requested', userId: user.id, client, details: { to: newEmail } });
      await tx.flush();
    });
    this.deps.wake?.();
  }

  /**
   * After a password change (by the user or an admin): outstanding reset links are void, and the address gets a
   * notice. In the caller's transaction; the caller wakes the sender (`delivered()`) once it has committed.
   */
  async passwordChanged(em: EntityManager, user: { id: number; email: string }): Promise<void> {
    const now = this.now();
    await voidLinkTokens(em, user.id, ['password_reset'], now);
    this.notify(em, user, templates.passwordChangedNotice());
  }

  /**
   * A security notice (no link) to the account's address, in the caller's transaction; the caller wakes the sender
   * (`delivered()`) once it has committed. Nothing with MAIL_DISABLED.
   */
  notify(em: EntityManager, user: { id: number; email: string }, notice: templates.RenderedMail): void {
    enqueueNotice(em, this.deps.settings, user, notice, this.now());
  }

  /** Wakes the sender after a caller's transaction with queued mail has committed. */
  delivered(): void {
    this.deps.wake?.();
  }

  private async throttled(em: EntityManager, userId: number, now: Date, client: ClientInfo): Promise<boolean> {
    if (!(await this.overAccountLimit(em, userId, now))) return false;
    recordAudit(em, { event: 'mail_throttled', userId, client });
    return true;
  }

  private async overAccountLimit(em: EntityManager, userId: number, now: Date): Promise<boolean> {
    return (await countLinkTokensSince(em, userId, new Date(now.getTime() - HOUR_MS))) >= this.deps.settings.accountMaxPerHour;
  }

  private assertEnabled(): void {
    if (!this.enabled) throw mailDisabled();
  }

  private now(): Date {
    return new Date(this.deps.clock.now());
  }

  private async findOrFail(userId: number): Promise<User> {
    const user = await this.deps.em.findOne(UserSchema, { id: userId });
    if (!user) throw invalidToken('The account no longer exists.');
    return user;
  }
}
