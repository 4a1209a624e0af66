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
    email_verified: user.emailVerifiedAt != null,
    email_verified_at: user.emailVerifiedAt?.toISOString() ?? null,
  };
}

/** One spelling per mailbox: `Alice@X.com ` and `alice@x.com` are one account. */
export function normalizeEmail(email: string): string {
  // No NUL can arrive here: the contract's patterns refuse it in every email the API looks up
  // (a NUL once ended the SQL text MikroORM builds; tests/fuzz/regressions.test.ts).
  return email.trim().toLowerCase();
}
