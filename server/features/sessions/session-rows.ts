import { LockMode } from '@mikro-orm/core';
import { SessionSchema, type Session } from '../../db/entities/session.entity.js';
import type { EntityManager } from '../../db/orm.js';
import type { RevocationReason } from './sessions.service.js';

// The session-row queries and date rules SessionsService and `npm run manage` share.

/**
 * Ends every live session of a user (all but `exceptSessionId`, when given); the number ended. Also for
 * `npm run manage`, which has no SessionsService.
 */
export function revokeSessionsOf(
  em: EntityManager,
  userId: number,
  reason: RevocationReason,
  exceptSessionId?: string,
  now = new Date(),
): Promise<number> {
  return revokeWhere(em, exceptSessionId ? { user: userId, id: { $ne: exceptSessionId } } : { user: userId }, reason, now);
}

export function revokeWhere(em: EntityManager, where: Record<string, unknown>, reason: RevocationReason, now: Date): Promise<number> {
  return em.nativeUpdate(SessionSchema, { ...where, revokedAt: null }, { revokedAt: now, revokedReason: reason });
}

export function liveSessionsOf(userId: number, now: Date) {
  return { user: userId, revokedAt: null, idleExpiresAt: { $gt: now }, absoluteExpiresAt: { $gt: now } };
}

/**
 * Locks a session's row for the rest of the transaction and reads it afresh.
 * Everything that changes a session's refresh tokens (a refresh, a password
 * change's reissue) takes this lock first, so they run one after the other.
 * SQLite does so anyway (one transaction at a time; it ignores FOR UPDATE);
 * under PostgreSQL's READ COMMITTED a reissue's DELETE would otherwise miss
 * the successor a concurrent refresh committed a moment before, leaving a
 * refresh token alive after the password change.
 */
export function lockSession(em: EntityManager, sessionId: string): Promise<Session | null> {
  // No join: FOR UPDATE would lock the user's row too, and a password change
  // (which updates that row first) would then deadlock with a refresh.
  return em.findOne(SessionSchema, { id: sessionId }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
}

export function isLive(session: Session, now: Date): boolean {
  return session.revokedAt == null && session.idleExpiresAt > now && session.absoluteExpiresAt > now;
}

export function addSeconds(date: Date, seconds: number): Date {
  return new Date(date.getTime() + seconds * 1000);
}

export function earliest(a: Date, b: Date): Date {
  return a < b ? a : b;
}
