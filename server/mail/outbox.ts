import { OutboxMailSchema } from '../db/entities/outbox-mail.entity.js';
import type { EntityManager } from '../db/orm.js';
import type { ClientInfo } from '../features/audit/audit-log.js';
import type { MailConfig } from '../mail-config.js';
import type { RenderedMail } from './templates.js';

/** The columns that make a row a mail due now, never tried: for a new row, and for a request the sender turns into one. */
export function dueMessage(mail: RenderedMail, userId: number, now: Date) {
  return {
    kind: 'message' as const,
    status: 'pending' as const,
    userId,
    subject: mail.subject,
    textBody: mail.text,
    htmlBody: mail.html,
    attempts: 0,
    nextAttemptAt: now,
    claimedBy: null,
    leaseExpiresAt: null,
  };
}

/**
 * Queues a rendered mail on the caller's manager: written by the caller's flush, so in the same transaction as
 * the token it carries (no token without its mail, no mail without its token). The sender delivers it.
 */
export function enqueueMail(em: EntityManager, to: { email: string; userId: number }, mail: RenderedMail, now: Date): void {
  em.create(OutboxMailSchema, { ...dueMessage(mail, to.userId, now), recipient: to.email, lastError: null, requestIp: null, requestUserAgent: null, createdAt: now, sentAt: null });
}

/**
 * A security notice (no link) to an account's address, on the caller's manager; nothing with MAIL_DISABLED. The
 * one rule for notices: AccountMail.notify comes here, and so does `npm run manage`, which has no AccountMail.
 */
export function enqueueNotice(em: EntityManager, settings: Pick<MailConfig, 'transport'>, user: { id: number; email: string }, notice: RenderedMail, now: Date): void {
  if (settings.transport !== 'disabled') enqueueMail(em, { email: user.email, userId: user.id }, notice, now);
}

/**
 * Queues a forgot-password request as it came: one insert, whatever the email. Looking the account up here
 * would make a known email slower than an unknown one; the sender does it instead (AccountMail.takeResetRequest).
 */
export function enqueueResetRequest(em: EntityManager, email: string, client: ClientInfo, now: Date): void {
  em.create(OutboxMailSchema, {
    kind: 'password_reset_request',
    status: 'pending',
    recipient: email,
    userId: null,
    subject: null,
    textBody: null,
    htmlBody: null,
    attempts: 0,
    nextAttemptAt: now,
    claimedBy: null,
    leaseExpiresAt: null,
    lastError: null,
    requestIp: client.ip,
    requestUserAgent: client.userAgent,
    createdAt: now,
    sentAt: null,
  });
}
