import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { UserSchema } from './user.entity.js';

export type LinkTokenPurpose = 'password_reset' | 'email_verify' | 'email_change';

/**
 * The token of a mailed link, stored only as the SHA-256 of its text. Bound to one account and one purpose;
 * spent by the one conditional update that sets `usedAt`. A newer token of the same purpose, or a password
 * change (for resets), voids the older ones by setting `usedAt` too.
 */
export const LinkTokenSchema = defineEntity({
  name: 'LinkToken',
  tableName: 'link_tokens',
  properties: {
    id: p.integer().primary().autoincrement(),
    user: () => p.manyToOne(UserSchema).deleteRule('cascade'),
    purpose: p.string().$type<LinkTokenPurpose>().length(16),
    tokenHash: p.string().length(64).unique('link_tokens_token_hash_unique'),
    /**
     * The address the link was mailed to: what it proves. A verification link for an address the account no
     * longer has proves nothing; an email-change link moves the account to this address.
     */
    email: p.string().length(254),
    createdAt: p.datetime(),
    expiresAt: p.datetime(),
    usedAt: p.datetime().nullable(),
  },
});

export type LinkToken = InferEntity<typeof LinkTokenSchema>;
