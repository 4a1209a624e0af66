import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { SessionSchema } from './session.entity.js';

/** One refresh token of a session, stored only as the SHA-256 of its text. */
export const RefreshTokenSchema = defineEntity({
  name: 'RefreshToken',
  tableName: 'refresh_tokens',
  properties: {
    id: p.integer().primary().autoincrement(),
    session: () => p.manyToOne(SessionSchema).deleteRule('cascade').index('refresh_tokens_session_id_index'),
    tokenHash: p.string().length(64).unique('refresh_tokens_token_hash_unique'),
    createdAt: p.datetime(),
    /** Set once, atomically, by the one refresh that spends it. */
    spentAt: p.datetime().nullable(),
  },
});

export type RefreshToken = InferEntity<typeof RefreshTokenSchema>;
