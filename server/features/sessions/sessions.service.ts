import { randomUUID } from 'node:crypto';
import type { components } from '../../../generated/openapi.js';
import type { AccessTokens } from '../../auth/access-tokens.js';
import type { RefreshTokenCodec } from '../../auth/refresh-tokens.js';
import { systemClock, type Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import { RefreshTokenSchema } from '../../db/entities/refresh-token.entity.js';
import { SessionSchema } from '../../db/entities/session.entity.js';
import { UserSchema } from '../../db/entities/user.entity.js';
import type { EntityManager } from '../../db/orm.js';
import { invalidRefreshToken, refreshTokenReused, sessionNotFound } from '../../errors.js';
import { recordAudit, type ClientInfo } from '../audit/audit-log.js';
import type { SessionAuthenticator } from '../../http/authenticate.js';
import type { UserView } from '../users/user-view.js';
import type { SessionLookup } from '../../db/session-lookup.js';
import { addSeconds, earliest, isLive, liveSessionsOf, lockSession, revokeSessionsOf, revokeWhere } from './session-rows.js';

/** A fresh pair as services make it: the refresh token always there (the HTTP layer may move it to a cookie). */
export type TokenPair = components['schemas']['TokenResponse'] & { refresh_token: string };
type SessionPage = components['schemas']['SessionList'];
export type LogoutScope = 'current' | 'others' | 'all';
export type RevocationReason =
  | 'logout'
  | 'revoked'
  | 'refresh_token_reused'
  | 'password_changed'
  | 'password_reset'
  | 'password_set_by_admin'
  | 'deactivated'
  | 'demoted'
  | 'session_limit'
  | 'mfa_enabled'
  | 'mfa_disabled'
  | 'mfa_removed_by_admin';
/** RFC 8176 authentication methods: how a session's login was proven. */
export type AuthenticationMethod = 'pwd' | 'otp';

export interface SessionsServiceDeps {
  em: EntityManager;
  accessTokens: AccessTokens;
  refreshTokens: RefreshTokenCodec;
  settings: Config['sessions'];
  lookup: SessionLookup;
  /** The time sessions start, expire and end at; tests move it. */
  clock?: Clock;
}

/**
 * Sessions are refresh-token families. Each refresh spends its token and
 * issues the successor; a spent token shown again inside the grace window
 * gets that same successor (two tabs refreshing at once), after it the whole
 * family is revoked, because someone holds a copy they should not.
 */
export class SessionsService implements SessionAuthenticator {
  private readonly clock: Clock;

  constructor(private readonly deps: SessionsServiceDeps) {
    this.clock = deps.clock ?? systemClock;
  }

  private now(): Date {
    return new Date(this.clock.now());
  }

  /**
   * Before a login starts a session: ends the account's oldest live sessions so that the new one keeps it at
   * `MAX_SESSIONS_PER_USER` (200 logins made 200 sessions, and a 146 KB session list). Each ended session is
   * audited. Two logins at the same moment may each leave one extra; the next login trims it.
   */
  async makeRoom(em: EntityManager, userId: number, client: ClientInfo): Promise<void> {
    const now = this.now();
    const beyond = await em.find(SessionSchema, liveSessionsOf(userId, now), {
      orderBy: { createdAt: 'desc', id: 'desc' },
      offset: this.deps.settings.maxPerUser - 1,
      fields: ['id'],
    });
    if (beyond.length === 0) return;
    const ids = beyond.map((session) => session.id);
    await revokeWhere(em, { id: { $in: ids } }, 'session_limit', now);
    for (const id of ids) {
      recordAudit(em, { event: 'session_limit_reached', userId, client, details: { session_id: id, max_sessions: this.deps.settings.maxPerUser } });
    }
  }

  /** Starts a session at login; `em` lets the caller put it in its own transaction. `amr` goes into every access token of it. */
  start(em: EntityManager, userId: number, client: ClientInfo, amr: AuthenticationMethod[] = ['pwd']): TokenPair {
    const { refreshTokens, settings } = this.deps;
    const now = this.now();
    const absoluteExpiresAt = addSeconds(now, settings.absoluteTtlSeconds);
    const session = em.create(SessionSchema, {
      id: randomUUID(),
      user: em.getReference(UserSchema, userId),
      createdAt: now,
      lastUsedAt: now,
      idleExpiresAt: earliest(addSeconds(now, settings.idleTtlSeconds), absoluteExpiresAt),
      absoluteExpiresAt,
      revokedAt: null,
      revokedReason: null,
      userAgent: client.userAgent,
      ip: client.ip,
      amr: amr.join(' '),
    });
    const refreshToken = refreshTokens.generate();
    em.create(RefreshTokenSchema, { session, tokenHash: refreshTokens.hash(refreshToken), createdAt: now, spentAt: null });
    return this.tokenPair(userId, session.id, refreshToken, session.amr);
  }

  async refresh(refreshToken: string, client: ClientInfo): Promise<TokenPair> {
    const outcome = await this.deps.em.transactional((em) => this.rotate(em, refreshToken, client));
    // Thrown after the transaction commits, so the revocation it recorded stays.
    if (outcome.kind === 'reused') {
      throw refreshTokenReused();
    }
    return outcome.tokens;
  }

  private async rotate(
    em: EntityManager,
    refreshToken: string,
    client: ClientInfo,
  ): Promise<{ kind: 'issued'; tokens: TokenPair } | { kind: 'reused' }> {
    const { refreshTokens, settings } = this.deps;
    const record = await em.findOne(RefreshTokenSchema, { tokenHash: refreshTokens.hash(refreshToken) }, { populate: ['session', 'session.user'] });
    if (!record) throw invalidRefreshToken();
    const session = await lockSession(em, record.session.id);
    const now = this.now();
    if (!session || !isLive(session, now) || !session.user.isActive) throw invalidRefreshToken();
    const userId = session.user.id;
    const successor = refreshTokens.successorOf(refreshToken);

    // The conditional update is the arbiter: of two racing refreshes exactly
    // one changes the row, so a token never has two live successors.
    const won = await em.nativeUpdate(RefreshTokenSchema, { id: record.id, spentAt: null }, { spentAt: now });
    if (won === 1) {
      em.create(RefreshTokenSchema, { session, tokenHash: refreshTokens.hash(successor), createdAt: now, spentAt: null });
      session.lastUsedAt = now;
      session.idleExpiresAt = earliest(addSeconds(now, settings.idleTtlSeconds), session.absoluteExpiresAt);
      recordAudit(em, { event: 'tokens_refreshed', userId, client, details: { session_id: session.id } });
      await em.flush();
      return { kind: 'issued', tokens: this.tokenPair(userId, session.id, successor, session.amr) };
    }

    // Gone means a password change replaced this session's tokens meanwhile.
    const current = await em.refresh(record);
    if (!current) throw invalidRefreshToken();
    const spentAt = current.spentAt ?? now;
    if (now.getTime() - spentAt.getTime() <= settings.reuseGraceSeconds * 1000) {
      return { kind: 'issued', tokens: this.tokenPair(userId, session.id, successor, session.amr) };
    }
    await revokeWhere(em, { id: session.id }, 'refresh_token_reused', now);
    recordAudit(em, { event: 'refresh_token_reused', userId, client, details: { session_id: session.id } });
    await em.flush();
    return { kind: 'reused' };
  }

  /**
   * The user and session a verified access token names, if both still stand.
   * Run on every authenticated request: this is what makes logout, deletion
   * and deactivation take effect at once rather than at the token's `exp`.
   */
  async authenticate(userId: number, sessionId: string): Promise<UserView | undefined> {
    // The hot path of every authenticated request: one indexed join, read as
    // plain values by a prepared statement (see session-lookup.ts).
    const owner = await this.deps.lookup.find(sessionId, userId);
    if (!owner?.user.is_active) return undefined;
    // Written so that an unreadable date (Invalid Date) counts as expired.
    if (!(owner.absoluteExpiresAt.getTime() > this.clock.now())) return undefined;
    return owner.user;
  }

  /** Sessions neither revoked nor expired, across all users (for the metrics gauge). */
  countActive(): Promise<number> {
    const now = this.now();
    return this.deps.em.fork().count(SessionSchema, { revokedAt: null, idleExpiresAt: { $gt: now }, absoluteExpiresAt: { $gt: now } });
  }

  /** One page of the caller's live sessions, newest first, and how many there are in all. */
  async list(userId: number, currentSessionId: string, page: { limit: number; offset: number }): Promise<SessionPage> {
    const [sessions, total] = await this.deps.em.findAndCount(SessionSchema, liveSessionsOf(userId, this.now()), {
      ...page,
      orderBy: { createdAt: 'desc', id: 'desc' },
    });
    const items = sessions.map((session) => ({
      id: session.id,
      created_at: session.createdAt.toISOString(),
      last_used_at: session.lastUsedAt.toISOString(),
      expires_at: session.idleExpiresAt.toISOString(),
      user_agent: session.userAgent ?? null,
      ip: session.ip ?? null,
      current: session.id === currentSessionId,
    }));
    return { items, total };
  }

  async logOut(userId: number, currentSessionId: string, scope: LogoutScope, client: ClientInfo): Promise<void> {
    const { em } = this.deps;
    const which = scope === 'current' ? { id: currentSessionId } : scope === 'others' ? { id: { $ne: currentSessionId } } : {};
    const ended = await revokeWhere(em, { user: userId, ...which }, 'logout', this.now());
    recordAudit(em, { event: 'logged_out', userId, client, details: { scope, sessions: ended } });
    await em.flush();
  }

  async revokeOne(userId: number, sessionId: string, client: ClientInfo): Promise<void> {
    const { em } = this.deps;
    // Ids are stored lower-case. PostgreSQL's uuid type matches an upper-case
    // spelling anyway, SQLite's text column would not: lower-case it here so
    // both answer alike. The spec's `format: uuid` also admits a `urn:uuid:` prefix, which PostgreSQL's uuid type
    // refuses with an error (tests/fuzz: a 500); the bare id is the same session.
    const id = sessionId.toLowerCase().replace(/^urn:uuid:/, '');
    const ended = await revokeWhere(em, { id, user: userId }, 'revoked', this.now());
    // Another user's session id gets the same answer as an unknown one.
    if (ended === 0) throw sessionNotFound();
    recordAudit(em, { event: 'session_revoked', userId, client, details: { session_id: id } });
    await em.flush();
  }

  /** Ends every live session of a user (all but `exceptSessionId`, when given). */
  revokeAllOf(em: EntityManager, userId: number, reason: RevocationReason, exceptSessionId?: string): Promise<number> {
    return revokeSessionsOf(em, userId, reason, exceptSessionId, this.now());
  }

  /** Replaces a session's refresh tokens with a new one (after a password change); `em` must be in a transaction. */
  async reissue(em: EntityManager, userId: number, sessionId: string): Promise<TokenPair> {
    const { refreshTokens, settings } = this.deps;
    const session = await lockSession(em, sessionId);
    await em.nativeDelete(RefreshTokenSchema, { session: sessionId });
    const now = this.now();
    // A new pair is a use of the session, as a refresh is: `authcli sessions` shows it as last used now.
    if (session) {
      session.lastUsedAt = now;
      session.idleExpiresAt = earliest(addSeconds(now, settings.idleTtlSeconds), session.absoluteExpiresAt);
    }
    const refreshToken = refreshTokens.generate();
    em.create(RefreshTokenSchema, {
      session: em.getReference(SessionSchema, sessionId),
      tokenHash: refreshTokens.hash(refreshToken),
      createdAt: now,
      spentAt: null,
    });
    return this.tokenPair(userId, sessionId, refreshToken, session?.amr ?? 'pwd');
  }

  /** `amr` as the session stores it (space-separated). */
  private tokenPair(userId: number, sessionId: string, refreshToken: string, amr: string): TokenPair {
    const { accessTokens } = this.deps;
    return {
      access_token: accessTokens.issue(userId, sessionId, amr.split(' ')),
      token_type: 'bearer',
      expires_in: accessTokens.ttlSeconds,
      refresh_token: refreshToken,
    };
  }
}
