import { resolve } from 'node:path';
import type { Env, EnvReader } from './env-reader.js';

/** Outgoing mail (server/mail/): how it leaves, what its links point to, and its limits. */
export interface MailConfig {
  /**
   * `smtp`: sent over `SMTP_URL`. `file`: development and tests without `SMTP_URL`; each message is written to
   * `dir` as an .eml file (the log says where, never what: the link inside is a live credential).
   * `disabled`: `MAIL_DISABLED=true`; the mail operations answer 503 `mail_disabled`.
   */
  transport: 'smtp' | 'file' | 'disabled';
  smtpUrl: string | undefined;
  dir: string;
  from: string;
  /** Link templates with `{token}`, e.g. `https://app.example.com/reset#token={token}`. */
  passwordResetUrl: string;
  emailVerifyUrl: string;
  passwordResetTtlSeconds: number;
  emailVerificationTtlSeconds: number;
  /** After this many failed attempts a message is marked failed (logged, counted in /metrics). */
  maxAttempts: number;
  /** The wait after the first failed attempt; it doubles after each (at most an hour). */
  retryBaseSeconds: number;
  /** One SMTP attempt's limit; a claim on a message lasts twice this, then another instance may take it. */
  sendTimeoutSeconds: number;
  /** Reset, verification and email-change mails one account is sent per hour; past it: 202, nothing sent. */
  accountMaxPerHour: number;
  /** Mail requests (forgot, resend, change) one client address may make per hour; past it: 429. */
  addressMaxPerHour: number;
}

const DEFAULT_RESET_URL = 'http://localhost:8000/account#reset_token={token}';
const DEFAULT_VERIFY_URL = 'http://localhost:8000/account#verify_token={token}';

export function readMailConfig(env: Env, read: EnvReader, production: boolean, problems: string[], warnings: string[]): MailConfig {
  const smtpUrl = env.SMTP_URL?.trim() || undefined;
  const disabled = read.boolean('MAIL_DISABLED', false);
  if (smtpUrl && !/^smtps?:\/\/./.test(smtpUrl)) problems.push(`SMTP_URL must start with smtp:// or smtps:// (got "${smtpUrl.replace(/\/\/[^@/]*@/, '//***@')}")`);
  if (smtpUrl && disabled) problems.push('SMTP_URL and MAIL_DISABLED=true are both set; choose one');
  const transport = disabled ? 'disabled' : smtpUrl ? 'smtp' : 'file';
  const dir = resolve(process.cwd(), read.string('MAIL_DIR', './mail'));
  if (transport === 'file') {
    if (production) {
      problems.push('SMTP_URL is not set: production refuses to start without a way to send mail; set SMTP_URL (smtp:// or smtps://), or MAIL_DISABLED=true to run without password reset and email verification');
    } else {
      warnings.push(`SMTP_URL is not set: mail is NOT sent. Each message is written to ${dir} as an .eml file instead (the log names the file, never the link). Set SMTP_URL to send mail.`);
    }
  }
  const template = (name: string, fallback: string): string => {
    const value = read.string(name, fallback);
    if (!/^https?:\/\/[^\s]+$/.test(value) || !value.includes('{token}')) problems.push(`${name} must be an http(s) URL containing {token} (got "${value}")`);
    else if (production && transport === 'smtp' && value === fallback) problems.push(`${name} is not set: production mails links to the page of your front end, e.g. https://app.example.com/reset#token={token}`);
    return value;
  };
  const config: MailConfig = {
    transport,
    smtpUrl: disabled ? undefined : smtpUrl,
    dir,
    from: read.string('MAIL_FROM', 'Auth API <no-reply@localhost>'),
    passwordResetUrl: template('PASSWORD_RESET_URL', DEFAULT_RESET_URL),
    emailVerifyUrl: template('EMAIL_VERIFY_URL', DEFAULT_VERIFY_URL),
    passwordResetTtlSeconds: read.integer('PASSWORD_RESET_TTL_MINUTES', 30, 1, 24 * 60) * 60,
    emailVerificationTtlSeconds: read.integer('EMAIL_VERIFICATION_TTL_HOURS', 48, 1, 24 * 30) * 3600,
    maxAttempts: read.integer('MAIL_MAX_ATTEMPTS', 8, 1, 100),
    retryBaseSeconds: read.integer('MAIL_RETRY_BASE_SECONDS', 10, 1, 3600),
    sendTimeoutSeconds: read.integer('MAIL_SEND_TIMEOUT_SECONDS', 30, 1, 600),
    accountMaxPerHour: read.integer('MAIL_ACCOUNT_MAX_PER_HOUR', 5, 1, 1000),
    addressMaxPerHour: read.integer('MAIL_ADDRESS_MAX_PER_HOUR', 30, 1, 100_000),
  };
  if (production && transport === 'smtp' && !env.MAIL_FROM?.trim()) {
    problems.push('MAIL_FROM is not set: production sends mail from a real address, e.g. "Example <no-reply@example.com>"');
  }
  return config;
}
