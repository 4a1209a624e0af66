import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * `message`: a rendered mail, ready to send. `password_reset_request`: a forgot-password request, queued as is
 * so the request costs the same for any email; the sender turns it into a message (or drops it) off the request.
 */
export type OutboxKind = 'message' | 'password_reset_request';
export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'dropped';

/** A row of the transactional outbox (server/mail/outbox.ts). */
export const OutboxMailSchema = defineEntity({
  name: 'OutboxMail',
  tableName: 'mail_outbox',
  properties: {
    id: p.integer().primary().autoincrement(),
    kind: p.string().$type<OutboxKind>().length(24),
    status: p.string().$type<OutboxStatus>().length(16),
    recipient: p.string().length(254),
    /** A plain column, not a foreign key: a mail may outlive its account (the notice of a deletion). */
    userId: p.integer().nullable(),
    subject: p.string().length(200).nullable(),
    /** The bodies hold live links: purged once the message is sent or has failed. */
    textBody: p.text().nullable(),
    htmlBody: p.text().nullable(),
    attempts: p.integer().default(0),
    nextAttemptAt: p.datetime(),
    claimedBy: p.string().length(64).nullable(),
    leaseExpiresAt: p.datetime().nullable(),
    lastError: p.string().length(200).nullable(),
    requestIp: p.string().length(64).nullable(),
    requestUserAgent: p.string().length(512).nullable(),
    createdAt: p.datetime(),
    sentAt: p.datetime().nullable(),
  },
});

export type OutboxMail = InferEntity<typeof OutboxMailSchema>;
