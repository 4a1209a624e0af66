import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { UserSchema } from './user.entity.js';

/** One single-use recovery code, stored only as a keyed hash (see features/mfa/recovery-codes.ts). */
export const RecoveryCodeSchema = defineEntity({
  name: 'RecoveryCode',
  tableName: 'mfa_recovery_codes',
  properties: {
    id: p.integer().primary().autoincrement(),
    user: () => p.manyToOne(UserSchema).deleteRule('cascade').index('mfa_recovery_codes_user_id_index'),
    codeHash: p.string().length(64),
    /** Set once, by a conditional update: of two uses at once exactly one wins. */
    usedAt: p.datetime().nullable(),
  },
});

export type RecoveryCode = InferEntity<typeof RecoveryCodeSchema>;
