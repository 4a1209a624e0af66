import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { UserSchema } from './user.entity.js';

/**
 * An account's authenticator app (TOTP): at most one per account. Pending until a code proves the app has the
 * secret (`confirmedAt`); only a confirmed factor is asked for at login.
 */
export const MfaFactorSchema = defineEntity({
  name: 'MfaFactor',
  tableName: 'mfa_factors',
  properties: {
    id: p.integer().primary().autoincrement(),
    user: () => p.manyToOne(UserSchema).deleteRule('cascade').unique('mfa_factors_user_id_unique'),
    /** AES-256-GCM of the base32 secret (see auth/secret-box.ts); hidden, so no serialisation shows it. */
    secretCiphertext: p.string().length(255).hidden(),
    confirmedAt: p.datetime().nullable(),
    /** The last 30-second step whose code was accepted: that step and every earlier one are refused (no replay). */
    lastUsedStep: p.integer().nullable(),
    createdAt: p.datetime(),
  },
});

export type MfaFactor = InferEntity<typeof MfaFactorSchema>;
