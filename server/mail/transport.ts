import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { MailConfig } from '../config.js';

export interface OutgoingMail {
  id: number;
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Where a mail goes: an SMTP server, or (development, tests) a file. */
export interface MailTransport {
  /** Resolves once the mail is handed over; rejects when it was not (the sender retries). */
  send(mail: OutgoingMail): Promise<{ description: string }>;
  close(): void;
}

/** Undefined when mail is disabled. */
export function createMailTransport(config: MailConfig): MailTransport | undefined {
  if (config.transport === 'disabled') return undefined;
  if (config.transport === 'smtp' && config.smtpUrl) return smtpTransport(config, config.smtpUrl);
  return fileTransport(config);
}

/**
 * nodemailer over `SMTP_URL`: `smtp://` (STARTTLS when the server offers it), `smtps://` (TLS from the start),
 * user and password in the URL, and nodemailer's URL options as query parameters. No pool: each attempt opens
 * its own connection, so an SMTP server that went away and came back is simply reached on the next try.
 */
function smtpTransport(config: MailConfig, url: string): MailTransport {
  const timeout = config.sendTimeoutSeconds * 1000;
  const transporter = nodemailer.createTransport({ url, connectionTimeout: timeout, greetingTimeout: timeout, socketTimeout: timeout, logger: false });
  return {
    async send(mail) {
      const info = await transporter.sendMail({ from: config.from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html });
      return { description: `accepted by SMTP as ${String(info.messageId)}` };
    },
    close: () => transporter.close(),
  };
}

/**
 * Development without `SMTP_URL`: the whole message (MIME, as SMTP would carry it) goes to a file in `MAIL_DIR`,
 * and the log line names the file. The link inside is a live credential, so it never goes to the log itself.
 */
function fileTransport(config: MailConfig): MailTransport {
  const transporter = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    async send(mail) {
      const info = await transporter.sendMail({ from: config.from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html });
      mkdirSync(config.dir, { recursive: true, mode: 0o700 });
      const file = join(config.dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${mail.id}.eml`);
      const message: unknown = info.message;
      writeFileSync(file, Buffer.isBuffer(message) ? message : String(message), { mode: 0o600 });
      return { description: `written to ${file} (SMTP_URL is not set)` };
    },
    close: () => transporter.close(),
  };
}
