import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

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
    role: p.enum(['member', 'admin']).default('member'),
    isActive: p.boolean().default(true),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});

export type User = InferEntity<typeof UserSchema>;
