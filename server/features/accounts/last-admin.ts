import { LockMode } from '@mikro-orm/core';
import { UserSchema, type User } from '../../db/entities/user.entity.js';
import type { EntityManager } from '../../db/orm.js';
import { lastAdmin } from '../../errors.js';

/**
 * Refuses a change that would leave no active admin: with none left, only
 * someone with shell access to the server could make another.
 *
 * Call it inside the transaction that makes the change. It locks every active
 * admin's row (SELECT … FOR UPDATE, in id order so two callers never
 * deadlock) and decides on what it read under that lock: on PostgreSQL two
 * admins demoting each other at once would otherwise each count the other as
 * still an admin, and both succeed. The second now waits for the first to
 * commit and then sees one admin fewer. SQLite runs one transaction at a time
 * and ignores the lock clause, so it behaves the same.
 */
export async function assertKeepsAnActiveAdmin(em: EntityManager, user: User): Promise<void> {
  // A member's change cannot remove an admin; no need to make admins' rows wait.
  if (user.role !== 'admin' || !user.isActive) return;
  const admins = await em.find(
    UserSchema,
    { role: 'admin', isActive: true },
    { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'asc' }, refresh: true },
  );
  const isActiveAdmin = admins.some((admin) => admin.id === user.id);
  if (isActiveAdmin && admins.length === 1) {
    throw lastAdmin();
  }
}
