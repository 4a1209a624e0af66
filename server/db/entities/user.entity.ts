import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { components } from '../../../generated/openapi.js';

export const UserSchema = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    id: p.integer().primary().autoincrement(),
    // Stored trimmed and lower-cased; the unique index is what makes
    // concurrent registrations of one address give exactly one account.
    email: p.string().length(254).unique(),
    // hidden: serialising a user can never leak the hash.
    passwordHash: p.string().length(100).hidden(),
    fullName: p.string().length(200).nullable(),
    // Typed as the contract's Role; the migration makes the column.
    role: p.string().$type<components['schemas']['Role']>().length(16).default('member'),
    isActive: p.boolean().default(true),
    /** Set when the owner proved to read the address (a verification or reset link, or an admin). */
    emailVerifiedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});

export type User = InferEntity<typeof UserSchema>;
