import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { components } from '../../../generated/openapi.js';

/**
 * A security event. `userId` and `actorId` are plain columns, not foreign
 * keys: the trail must outlive the accounts it speaks of.
 */
export const AuditEventSchema = defineEntity({
  name: 'AuditEvent',
  tableName: 'audit_events',
  properties: {
    id: p.integer().primary().autoincrement(),
    at: p.datetime().index('audit_events_at_index'),
    // Plain text to the database; typed as the contract's enum, which every writer (recordAudit) is held to.
    event: p.string().$type<components['schemas']['AuditEventType']>().length(32).index('audit_events_event_index'),
    userId: p.integer().nullable().index('audit_events_user_id_index'),
    actorId: p.integer().nullable(),
    ip: p.string().length(64).nullable(),
    userAgent: p.string().length(512).nullable(),
    details: p.json<Record<string, string | number | boolean>>().nullable(),
  },
});

export type AuditEvent = InferEntity<typeof AuditEventSchema>;
