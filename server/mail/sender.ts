import { randomUUID } from 'node:crypto';
import { OutboxMailSchema, type OutboxMail } from '../db/entities/outbox-mail.entity.js';
import type { EntityManager, Orm } from '../db/orm.js';
import type { Clock } from '../clock.js';
import type { MailConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { MailTransport } from './transport.js';

/** How often each instance looks for due mail that nobody woke it for (another instance's, or a retry). */
const POLL_MS = 1000;
/** Rows claimed per query: small, so a slow SMTP server never makes one instance hold many. */
const BATCH = 10;
const MAX_RETRY_SECONDS = 3600;

export interface MailSenderDeps {
  orm: Orm;
  transport: MailTransport;
  settings: Pick<MailConfig, 'maxAttempts' | 'retryBaseSeconds' | 'sendTimeoutSeconds'>;
  clock: Clock;
  logger: Logger;
  metrics: Metrics | undefined;
  /** Turns a queued forgot-password request into a mail (or drops it), in the given transaction. */
  takeResetRequest(em: EntityManager, row: OutboxMail): Promise<void>;
}

/**
 * The outbox's sender loop, one per instance. A row is claimed by a conditional UPDATE (its status and attempt
 * count as read) that also sets a lease: of several instances on one PostgreSQL, exactly one wins each row, and
 * a row whose instance died mid-send is taken again once the lease runs out. SQLite works the same with one.
 * A mail handed to SMTP just before a crash may be sent twice; one never handed over is never lost.
 */
/** How long stop() waits for the pass under way. */
const STOP_WAIT_MS = 5_000;

export class MailSender {
  readonly instanceId = randomUUID();
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly deps: MailSenderDeps) {}

  start(): void {
    this.schedule(0);
  }

  /** Delivers soon: called after a request queued mail in this instance. */
  wake(): void {
    if (this.stopped) return;
    if (this.pass) this.again = true;
    else this.schedule(0);
  }

  /**
   * No new pass starts; the one under way may finish, then the transport closes. The wait is bounded: a pass stuck
   * on an unreachable database (a PostgreSQL pool waits a minute for a connection) must not hold up shutdown. Nothing
   * is lost by not waiting: a row whose send did not complete keeps its lease, and is taken again when it runs out.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    let giveUp: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => {
      giveUp = setTimeout(resolve, STOP_WAIT_MS);
    });
    await Promise.race([this.pass, waited]);
    clearTimeout(giveUp);
    this.deps.transport.close();
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => this.run(), ms);
    // The loop never keeps a process alive by itself: stop() ends it, and an exiting process need not wait.
    this.timer.unref();
  }

  private run(): void {
    if (this.pass || this.stopped) return;
    this.pass = (async () => {
      try {
        do {
          this.again = false;
          while (!this.stopped && (await this.deliverDue()) > 0);
        } while (this.again && !this.stopped);
      } catch (error) {
        // The database went away, say: logged, and the next poll tries again.
        this.deps.logger.error({ err: error }, 'mail sender: a pass failed');
      } finally {
        this.pass = undefined;
        this.schedule(POLL_MS);
      }
    })();
  }

  /** One batch; the number of rows this instance claimed. */
  private async deliverDue(): Promise<number> {
    const { orm, clock } = this.deps;
    const em = orm.em.fork();
    const now = new Date(clock.now());
    const due = await em.find(OutboxMailSchema, claimable(now), { orderBy: { id: 'asc' }, limit: BATCH });
    let claimed = 0;
    for (const row of due) {
      if (this.stopped) break;
      if (!(await this.claim(em, row, now))) continue;
      claimed += 1;
      if (row.kind === 'password_reset_request') await this.takeRequest(row);
      else await this.send(em, row);
    }
    return claimed;
  }

  private async claim(em: EntityManager, row: OutboxMail, now: Date): Promise<boolean> {
    const leaseExpiresAt = new Date(now.getTime() + this.deps.settings.sendTimeoutSeconds * 2000);
    const won = await em.nativeUpdate(
      OutboxMailSchema,
      { id: row.id, attempts: row.attempts, ...claimable(now) },
      { status: 'sending', claimedBy: this.instanceId, leaseExpiresAt, attempts: row.attempts + 1 },
    );
    if (won !== 1) return false;
    row.attempts += 1;
    return true;
  }

  private async takeRequest(row: OutboxMail): Promise<void> {
    await this.deps.orm.em.fork().transactional(async (tx) => {
      const fresh = await tx.findOne(OutboxMailSchema, { id: row.id, claimedBy: this.instanceId });
      if (!fresh) return;
      await this.deps.takeResetRequest(tx, fresh);
      await tx.flush();
    });
  }

  private async send(em: EntityManager, row: OutboxMail): Promise<void> {
    const { transport, logger, metrics, settings, clock } = this.deps;
    const mine = { id: row.id, claimedBy: this.instanceId };
    try {
      const { description } = await transport.send({ id: row.id, to: row.recipient, subject: row.subject ?? '', text: row.textBody ?? '', html: row.htmlBody ?? '' });
      // The bodies hold live links: gone from the table once the mail has left.
      await em.nativeUpdate(OutboxMailSchema, mine, { status: 'sent', sentAt: new Date(clock.now()), textBody: null, htmlBody: null, leaseExpiresAt: null, lastError: null });
      metrics?.mail.inc({ outcome: 'sent' });
      logger.info({ mailId: row.id, attempt: row.attempts }, `mail #${row.id} "${row.subject ?? ''}" to ${row.recipient} ${description}`);
    } catch (error) {
      const reason = describeError(error);
      if (row.attempts >= settings.maxAttempts) {
        await em.nativeUpdate(OutboxMailSchema, mine, { status: 'failed', textBody: null, htmlBody: null, leaseExpiresAt: null, lastError: reason });
        metrics?.mail.inc({ outcome: 'failed' });
        logger.error({ mailId: row.id, attempts: row.attempts, reason }, `mail #${row.id} failed after ${row.attempts} attempts; it will not be sent`);
        return;
      }
      const waitSeconds = Math.min(settings.retryBaseSeconds * 2 ** (row.attempts - 1), MAX_RETRY_SECONDS);
      const nextAttemptAt = new Date(clock.now() + waitSeconds * 1000);
      await em.nativeUpdate(OutboxMailSchema, mine, { status: 'pending', nextAttemptAt, leaseExpiresAt: null, lastError: reason });
      metrics?.mail.inc({ outcome: 'retried' });
      logger.warn({ mailId: row.id, attempt: row.attempts, reason, retryInSeconds: waitSeconds }, `mail #${row.id} not sent; retrying in ${waitSeconds} s`);
    }
  }
}

/** Due rows: pending and due, or claimed by an instance whose lease ran out (it died or hung mid-send). */
function claimable(now: Date) {
  return {
    $or: [
      { status: 'pending' as const, nextAttemptAt: { $lte: now } },
      { status: 'sending' as const, leaseExpiresAt: { $lt: now } },
    ],
  };
}

/** The SMTP code and a short message: enough to act on, never the mail itself. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown error';
  const code = 'code' in error && typeof error.code === 'string' ? `${error.code}: ` : '';
  return `${code}${error.message}`.replace(/\s+/g, ' ').slice(0, 200);
}
