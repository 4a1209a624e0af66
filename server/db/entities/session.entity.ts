import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { UserSchema } from './user.entity.js';

/**
 * A login: one family of refresh tokens and the access tokens issued from it
 * (they carry its id as `sid`). Ending a session is setting `revokedAt`;
 * authentication checks it on every request, so logout is immediate.
 */
export const SessionSchema = defineEntity({
  name: 'Session',
  tableName: 'sessions',
  properties: {
    id: p.uuid().primary(),
    user: () => p.manyToOne(UserSchema).deleteRule('cascade').index('sessions_user_id_index'),
    createdAt: p.datetime(),
    lastUsedAt: p.datetime(),
    /** Idle expiry: pushed forward by each refresh, never past `absoluteExpiresAt`. */
    idleExpiresAt: p.datetime(),
    /** Fixed at login; rotation never extends it. */
    absoluteExpiresAt: p.datetime(),
    revokedAt: p.datetime().nullable(),
    revokedReason: p.string().length(32).nullable(),
    userAgent: p.string().length(512).nullable(),
    ip: p.string().length(64).nullable(),
    /** How the login was proven (RFC 8176 values, space-separated): `pwd`, or `pwd otp`; every access token of the session carries it as `amr`. */
    amr: p.string().length(32).default('pwd'),
  },
});

export type Session = InferEntity<typeof SessionSchema>;
