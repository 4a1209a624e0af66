import type { components } from '../../../generated/openapi.js';
import { AuditEventSchema } from '../../db/entities/audit-event.entity.js';
import type { EntityManager } from '../../db/orm.js';
import type { ClientInfo } from '../../http/client-info.js';

export type AuditEventType = components['schemas']['AuditEventType'];
export type { ClientInfo };

export interface AuditEntry {
  event: AuditEventType;
  userId: number | null;
  /** Set when someone other than the account acted (an admin). */
  actorId?: number | null;
  client: ClientInfo;
  /** Facts about the event; callers pass only non-secret values (never a password or token). */
  details?: Record<string, string | number | boolean>;
}

/**
 * Queues an audit row on the given manager: written by the same flush (and
 * so the same transaction) as the change it records.
 */
export function recordAudit(em: EntityManager, entry: AuditEntry): void {
  em.create(AuditEventSchema, {
    at: new Date(),
    event: entry.event,
    userId: entry.userId,
    actorId: entry.actorId ?? null,
    ip: entry.client.ip,
    userAgent: entry.client.userAgent,
    details: entry.details ?? null,
  });
}
