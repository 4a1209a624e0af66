import type { components } from '../../../generated/openapi.js';
import type { User } from '../../db/entities/user.entity.js';

export type UserView = components['schemas']['User'];

/** The account as the API shows it: the contract's fields, never the hash. */
export function toUserView(user: User): UserView {
  return {
    id: user.id,
    email: user.email,
    full_name: user.fullName ?? null,
    role: user.role,
    is_active: user.isActive,
    created_at: user.createdAt.toISOString(),
  };
}

/** One spelling per mailbox: `Alice@X.com ` and `alice@x.com` are one account. */
export function normalizeEmail(email: string): string {
  // MikroORM inlines values into the SQL text, where a NUL ends the statement (SQLite) or is refused
  // (PostgreSQL): a login or search with one gave a 500 (tests/fuzz). No stored address holds a NUL,
  // so U+FFFD in its place still matches nothing.
  return email.trim().toLowerCase().replaceAll('\u0000', '\uFFFD');
}
