import { UserSchema, type User } from '../../db/entities/user.entity.js';
import type { EntityManager } from '../../db/orm.js';
import { AppError } from '../../errors.js';

/**
 * Refuses a change that would leave no active admin: with none left, only
 * someone with shell access to the server could make another.
 */
export async function assertKeepsAnActiveAdmin(em: EntityManager, user: User): Promise<void> {
  if (user.role !== 'admin' || !user.isActive) return;
  const others = await em.count(UserSchema, { role: 'admin', isActive: true, id: { $ne: user.id } });
  if (others === 0) {
    throw new AppError(409, 'last_admin', 'This is the last active admin; make another admin first.');
  }
}
