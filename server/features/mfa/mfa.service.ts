import { createHash, randomBytes } from 'node:crypto';
import QRCode from 'qrcode';
import type { components } from '../../../generated/openapi.js';
import type { LoginThrottle } from '../../auth/login-throttle.js';
import type { PasswordHasher } from '../../auth/passwords.js';
import type { SecretBox } from '../../auth/secret-box.js';
import type { Totp } from '../../auth/totp.js';
import type { Clock } from '../../clock.js';
import type { MfaConfig } from '../../config.js';
import { MfaChallengeSchema } from '../../db/entities/mfa-challenge.entity.js';
import { MfaFactorSchema, type MfaFactor } from '../../db/entities/mfa-factor.entity.js';
import { RecoveryCodeSchema } from '../../db/entities/recovery-code.entity.js';
import { UserSchema, type User } from '../../db/entities/user.entity.js';
import type { EntityManager } from '../../db/orm.js';
import {
  accountDisabled,
  internalError,
  invalidMfaCode,
  invalidMfaToken,
  invalidToken,
  mfaAlreadyEnabled,
  mfaCodeRequired,
  mfaDisabled,
  mfaNotEnabled,
  mfaNotPending,
  wrongPassword,
} from '../../errors.js';
import * as notices from '../../mail/templates.js';
import type { AccountMail } from '../account-mail/account-mail.service.js';
import { recordAudit, type ClientInfo } from '../audit/audit-log.js';
import type { AuthenticationMethod, SessionsService, TokenPair } from '../sessions/sessions.service.js';
import { deleteSecondFactor } from './factor-removal.js';
import { hashRecoveryCode, newRecoveryCodes } from './recovery-codes.js';
import type { SecondFactorProof } from './second-factor.js';

type TotpEnrolment = components['schemas']['TotpEnrolment'];
type MfaStatus = components['schemas']['MfaStatus'];

/** How long the `mfa_token` of a half-done login lives. */
export const MFA_TOKEN_TTL_SECONDS = 300;
const MFA_TOKEN_PREFIX = 'mfa_';

export interface MfaServiceDeps {
  em: EntityManager;
  passwords: PasswordHasher;
  sessions: SessionsService;
  loginThrottle: LoginThrottle;
  totp: Totp;
  /** Undefined only with MFA_ENABLED=false and no key: then nothing can be enrolled or checked. */
  box: SecretBox | undefined;
  settings: MfaConfig;
  clock: Clock;
  /** A notice to the account's address when a factor is added or removed or the recovery codes are replaced. */
  mail: AccountMail;
}

/**
 * Authenticator apps (TOTP) and recovery codes: enrolment, the second step of a login, removal. Every code check
 * goes through `prove`, which counts a wrong code as a failed login of the account and the address (the login
 * throttle), so a stolen password buys no more code guesses than password guesses.
 */
export class MfaService {
  constructor(private readonly deps: MfaServiceDeps) {}

  async status(userId: number): Promise<MfaStatus> {
    const { em } = this.deps;
    const factor = await em.findOne(MfaFactorSchema, { user: userId });
    const remaining = factor?.confirmedAt ? await em.count(RecoveryCodeSchema, { user: userId, usedAt: null }) : 0;
    return { totp: !factor ? 'none' : factor.confirmedAt ? 'enabled' : 'pending', recovery_codes_remaining: remaining };
  }

  /** Whether logins of this account need a second factor (also REQUIRE_MFA_FOR_ADMINS's test). */
  async hasConfirmedFactor(userId: number, em: EntityManager = this.deps.em): Promise<boolean> {
    return (await em.count(MfaFactorSchema, { user: userId, confirmedAt: { $ne: null } })) > 0;
  }

  async enrol(userId: number, password: string, client: ClientInfo): Promise<TotpEnrolment> {
    const { em, passwords, settings, totp } = this.deps;
    if (!settings.enabled) throw mfaDisabled();
    const box = this.box();
    const user = await findUser(em, userId);
    if (!(await passwords.verify(password, user.passwordHash))) throw wrongPassword();
    const existing = await em.findOne(MfaFactorSchema, { user: userId });
    if (existing?.confirmedAt) throw mfaAlreadyEnabled();
    const secret = totp.newSecret();
    const secretCiphertext = box.seal(secret, secretContext(userId));
    // Starting again replaces a pending secret: the app that scanned the old QR code never proved itself.
    if (existing) {
      existing.secretCiphertext = secretCiphertext;
      existing.lastUsedStep = null;
      existing.createdAt = new Date();
    } else {
      em.create(MfaFactorSchema, { user: userId, secretCiphertext, confirmedAt: null, lastUsedStep: null, createdAt: new Date() });
    }
    recordAudit(em, { event: 'mfa_enrolment_started', userId, client });
    await em.flush();
    const otpauthUri = totp.uri(secret, settings.issuer, user.email);
    return { secret, otpauth_uri: otpauthUri, qr_svg: await QRCode.toString(otpauthUri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }) };
  }

  /** The app proved it has the secret: the factor is on, the account's other sessions end, ten recovery codes. */
  async confirm(userId: number, sessionId: string, code: string, client: ClientInfo): Promise<string[]> {
    const { em, sessions, mail } = this.deps;
    const factor = await em.findOne(MfaFactorSchema, { user: userId }, { populate: ['user'] });
    if (!factor || factor.confirmedAt) throw factor ? mfaAlreadyEnabled() : mfaNotPending();
    // Not counted by the throttle: whoever holds this session chose the secret, so a guess here wins nothing.
    const step = await this.deps.totp.match(this.secretOf(factor, userId), code, factor.lastUsedStep ?? null);
    if (step === undefined) throw invalidMfaCode(403);
    const codes = await em.transactional(async (tx) => {
      const won = await tx.nativeUpdate(MfaFactorSchema, { id: factor.id, confirmedAt: null }, { confirmedAt: new Date(), lastUsedStep: step });
      if (won !== 1) throw mfaAlreadyEnabled();
      const codes = await this.replaceRecoveryCodes(tx, userId);
      const ended = await sessions.revokeAllOf(tx, userId, 'mfa_enabled', sessionId);
      recordAudit(tx, { event: 'mfa_enabled', userId, client, details: { sessions_ended: ended } });
      mail.notify(tx, factor.user, notices.mfaEnabledNotice());
      await tx.flush();
      return codes;
    });
    mail.delivered();
    return codes;
  }

  async remove(userId: number, sessionId: string, password: string, proof: SecondFactorProof, client: ClientInfo): Promise<void> {
    const { em, sessions, mail } = this.deps;
    const { user, factor } = await this.confirmedFactorOf(userId, password);
    await this.prove(user, factor, proof, 403, client);
    await em.transactional(async (tx) => {
      await deleteSecondFactor(tx, userId);
      const ended = await sessions.revokeAllOf(tx, userId, 'mfa_disabled', sessionId);
      recordAudit(tx, { event: 'mfa_disabled', userId, client, details: { sessions_ended: ended } });
      mail.notify(tx, user, notices.mfaDisabledNotice());
      await tx.flush();
    });
    mail.delivered();
  }

  async regenerateRecoveryCodes(userId: number, password: string, proof: SecondFactorProof, client: ClientInfo): Promise<string[]> {
    const { em, mail } = this.deps;
    const { user, factor } = await this.confirmedFactorOf(userId, password);
    await this.prove(user, factor, proof, 403, client);
    const codes = await em.transactional(async (tx) => {
      const codes = await this.replaceRecoveryCodes(tx, userId);
      recordAudit(tx, { event: 'recovery_codes_regenerated', userId, client });
      mail.notify(tx, user, notices.recoveryCodesReplacedNotice());
      await tx.flush();
      return codes;
    });
    mail.delivered();
    return codes;
  }

  /**
   * Login's first step is done (the password is proven): a new `mfa_token` for the second. Opaque, 256 random
   * bits, only its hash stored; the account's expired ones are swept here so the table stays small.
   */
  async startLogin(em: EntityManager, userId: number): Promise<string> {
    const now = this.deps.clock.now();
    await em.nativeDelete(MfaChallengeSchema, { user: userId, expiresAt: { $lt: new Date(now) } });
    const token = `${MFA_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    em.create(MfaChallengeSchema, { user: userId, tokenHash: hashToken(token), expiresAt: new Date(now + MFA_TOKEN_TTL_SECONDS * 1000), usedAt: null });
    return token;
  }

  /** Login's second step: the `mfa_token` and a code (or recovery code) for a session whose tokens say `amr: ["pwd","otp"]`. */
  async completeLogin(mfaToken: string, proof: SecondFactorProof, client: ClientInfo): Promise<TokenPair> {
    const { em, sessions, clock } = this.deps;
    const challenge = await em.findOne(MfaChallengeSchema, { tokenHash: hashToken(mfaToken) }, { populate: ['user'] });
    if (!challenge || challenge.usedAt || !(challenge.expiresAt.getTime() > clock.now())) throw invalidMfaToken();
    const user = challenge.user;
    if (!user.isActive) {
      recordAudit(em, { event: 'login_failed', userId: user.id, client, details: { email: user.email, reason: 'account_disabled' } });
      await em.flush();
      throw accountDisabled();
    }
    const factor = await em.findOne(MfaFactorSchema, { user: user.id, confirmedAt: { $ne: null } });
    // Removed since the first step (from another session): this half-login is void.
    if (!factor) throw invalidMfaToken();
    const method = await this.prove(user, factor, proof, 401, client);
    return em.transactional(async (tx) => {
      // The conditional update decides: of two second steps with one token, one gets the session.
      const won = await tx.nativeUpdate(MfaChallengeSchema, { id: challenge.id, usedAt: null }, { usedAt: new Date() });
      if (won !== 1) throw invalidMfaToken();
      await sessions.makeRoom(tx, user.id, client);
      const tokens = sessions.start(tx, user.id, client, ['pwd', 'otp']);
      recordAudit(tx, { event: 'login_succeeded', userId: user.id, client, details: { amr: 'pwd otp', method } });
      await tx.flush();
      return tokens;
    });
  }

  /**
   * A password reset's second factor (AccountMail's `ResetSecondFactor`): nothing for an account without one (a
   * code sent anyway is ignored), else a code or recovery code checked as at login, so the mailbox alone gets no
   * one past the app. Runs before the reset's transaction: a refusal leaves the link and the password as they were.
   */
  async proveForReset(user: User, proof: SecondFactorProof | undefined, client: ClientInfo): Promise<AuthenticationMethod[]> {
    const factor = await this.deps.em.findOne(MfaFactorSchema, { user: user.id, confirmedAt: { $ne: null } });
    if (!factor) return ['pwd'];
    if (!proof) throw mfaCodeRequired();
    await this.prove(user, factor, proof, 403, client);
    return ['pwd', 'otp'];
  }

  /**
   * Checks a code from the app (in step ±1, after the last used step, which it then becomes) or a recovery code
   * (spent by the check). Throttled like a login: refused while the account or address is locked out, a failure
   * counts, a success clears the account's count. Answers which kind was used.
   */
  private async prove(user: User, factor: MfaFactor, proof: SecondFactorProof, status: 401 | 403, client: ClientInfo): Promise<'totp' | 'recovery_code'> {
    const { em, loginThrottle, totp } = this.deps;
    await loginThrottle.assertAllowed(user.email, client.ip);
    let accepted: boolean;
    if ('code' in proof) {
      const step = await totp.match(this.secretOf(factor, user.id), proof.code, factor.lastUsedStep ?? null);
      // Conditional, so two requests with the same code at once cannot both pass.
      accepted =
        step !== undefined &&
        (await em.nativeUpdate(MfaFactorSchema, { id: factor.id, $or: [{ lastUsedStep: null }, { lastUsedStep: { $lt: step } }] }, { lastUsedStep: step })) === 1;
    } else {
      const codeHash = hashRecoveryCode(this.box().derive('recovery-codes'), proof.recovery_code);
      accepted = (await em.nativeUpdate(RecoveryCodeSchema, { user: user.id, codeHash, usedAt: null }, { usedAt: new Date() })) === 1;
    }
    if (!accepted) {
      await loginThrottle.recordFailure(user.email, client.ip);
      recordAudit(em, { event: 'mfa_failed', userId: user.id, client, details: { method: 'code' in proof ? 'totp' : 'recovery_code' } });
      await em.flush();
      throw invalidMfaCode(status);
    }
    await loginThrottle.recordSuccess(user.email);
    if ('recovery_code' in proof) {
      const left = await em.count(RecoveryCodeSchema, { user: user.id, usedAt: null });
      recordAudit(em, { event: 'recovery_code_used', userId: user.id, client, details: { remaining: left } });
      await em.flush();
      return 'recovery_code';
    }
    return 'totp';
  }

  private async confirmedFactorOf(userId: number, password: string): Promise<{ user: User; factor: MfaFactor }> {
    const { em, passwords } = this.deps;
    const user = await findUser(em, userId);
    if (!(await passwords.verify(password, user.passwordHash))) throw wrongPassword();
    const factor = await em.findOne(MfaFactorSchema, { user: userId, confirmedAt: { $ne: null } });
    if (!factor) throw mfaNotEnabled();
    return { user, factor };
  }

  /** `em` is in a transaction: the old codes go in the same commit as the new ones arrive. */
  private async replaceRecoveryCodes(em: EntityManager, userId: number): Promise<string[]> {
    const key = this.box().derive('recovery-codes');
    const codes = newRecoveryCodes();
    await em.nativeDelete(RecoveryCodeSchema, { user: userId });
    for (const code of codes) em.create(RecoveryCodeSchema, { user: userId, codeHash: hashRecoveryCode(key, code), usedAt: null });
    return codes;
  }

  private secretOf(factor: MfaFactor, userId: number): string {
    return this.box().open(factor.secretCiphertext, secretContext(userId));
  }

  private box(): SecretBox {
    const { box } = this.deps;
    // config.ts provides a key whenever MFA is enabled; a factor enrolled before MFA_ENABLED=false needs it kept.
    if (!box) throw internalError(new Error('MFA_ENCRYPTION_KEY is not set but an authenticator secret must be read'));
    return box;
  }
}

async function findUser(em: EntityManager, userId: number): Promise<User> {
  const user = await em.findOne(UserSchema, { id: userId });
  if (!user) throw invalidToken('The account no longer exists.');
  return user;
}

/** Bound into each ciphertext: a secret copied into another account's row does not decrypt there. */
function secretContext(userId: number): string {
  return `totp-secret:user:${userId}`;
}

function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
