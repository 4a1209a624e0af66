import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { UserSchema } from './user.entity.js';

/**
 * A login half done: the password was proven, the second factor is still to come. The client holds the opaque
 * `mfa_token`; only its SHA-256 is stored. In the database, not in memory, so the second step may reach another
 * instance, and spending it is one conditional update.
 */
export const MfaChallengeSchema = defineEntity({
  name: 'MfaChallenge',
  tableName: 'mfa_challenges',
  properties: {
    id: p.integer().primary().autoincrement(),
    user: () => p.manyToOne(UserSchema).deleteRule('cascade').index('mfa_challenges_user_id_index'),
    tokenHash: p.string().length(64).unique('mfa_challenges_token_hash_unique'),
    expiresAt: p.datetime(),
    usedAt: p.datetime().nullable(),
  },
});

export type MfaChallenge = InferEntity<typeof MfaChallengeSchema>;
