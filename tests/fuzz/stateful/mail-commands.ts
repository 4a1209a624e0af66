/** Commands on password resets: forgot-password (the token read from the mail the server wrote) and reset. */
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { expect } from 'vitest';
import { sessionIdOf } from '../../helpers/auth-flows.js';
import { payloadOf } from '../../helpers/tokens.js';
import { codeAt, TOTP_STEP_MS } from '../../helpers/totp.js';
import { wrongCode } from './mfa-commands.js';
import { clock, endSessions, issued, pick, saw, secrets, step, type Command, type Model, type Real } from './model.js';

const seenMail = new Set<string>();

/** The token of the newest reset mail to `email` the server wrote to MAIL_DIR (waits for the sender loop). */
async function resetTokenFromMail(r: Real, email: string): Promise<string> {
  const dir = join(r.server.dir, 'mail');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    for (const file of existsSync(dir) ? readdirSync(dir).sort() : []) {
      if (seenMail.has(file)) continue;
      const mail = await simpleParser(readFileSync(join(dir, file)));
      const to = Array.isArray(mail.to) ? mail.to[0] : mail.to;
      if (mail.subject !== 'Reset your password' || to?.value[0]?.address !== email) continue;
      seenMail.add(file);
      const token = /reset_token=([A-Za-z0-9_-]{43})/.exec(mail.text ?? '')?.[1];
      if (token) return token;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no reset mail to ${email}`);
}

/** Forgot-password for an account of the model: 202 whatever it is; a mail (and a live token) only for an active one. */
export class ForgotPassword implements Command {
  constructor(readonly account: number) {}
  check = (m: Readonly<Model>) => m.accounts.length > 0;
  async run(m: Model, r: Real) {
    const account = pick(m.accounts, this.account);
    const current = m.accounts.find((a) => a.exists && a.email === account.email);
    const { data, response } = await r.server.client.POST('/api/v1/users/password/forgot', { body: { email: account.email } });
    expect(response.status).toBe(202);
    expect(data).toEqual({ status: 'accepted' });
    if (!current?.active) return void saw('a forgot-password request that mails nothing');
    const text = await resetTokenFromMail(r, current.email);
    secrets.add(text);
    // A newer request supersedes every older link of the account.
    for (const reset of m.resets) if (reset.account === current) reset.dead = true;
    m.resets.push({ text, account: current, dead: false });
  }
  toString = () => `forgotPassword(#${this.account})`;
}

/**
 * A reset works exactly once per live token, ends every session of the account and voids its other links. An
 * account with an app needs its code too: without one, or with a wrong one, nothing changes (a wrong one counts as
 * a failed login); an account without one ignores a code.
 */
export class ResetPassword implements Command {
  constructor(
    readonly token: number,
    readonly proof: 'code' | 'none' | 'wrong',
  ) {}
  check = (m: Readonly<Model>) => m.resets.length > 0;
  async run(m: Model, r: Real) {
    const reset = pick(m.resets, this.token);
    const { account } = reset;
    const factor = account.factor;
    const next = `Pw-${randomUUID()}`;
    secrets.add(next);
    if (factor && this.proof === 'code' && factor.lastStep !== null && factor.lastStep >= step()) clock.advance(TOTP_STEP_MS);
    const code = this.proof === 'none' ? undefined : factor && this.proof === 'code' ? await codeAt(factor.secret, clock) : await wrongCode(factor);
    const body = { token: reset.text, new_password: next, ...(code === undefined ? {} : { code }) };
    const { data, error, response } = await r.server.client.POST('/api/v1/users/password/reset', { body });
    if (reset.dead || !account.exists || !account.active) {
      expect(response.status).toBe(422);
      expect(error?.code).toBe('invalid_reset_token');
      return void saw('a dead reset token refused');
    }
    if (factor) {
      const failures = m.failures.get(account.email) ?? 0;
      if (code === undefined) {
        expect(response.status).toBe(403);
        expect(error?.code).toBe('mfa_code_required');
        return void saw('a reset without the code refused');
      }
      if (failures >= 5) return void expect(response.status).toBe(429);
      if (this.proof === 'wrong') {
        expect(response.status).toBe(403);
        expect(error?.code).toBe('invalid_mfa_code');
        m.failures.set(account.email, failures + 1);
        return void saw('a reset with a wrong code refused');
      }
      factor.lastStep = step();
      m.failures.delete(account.email);
    }
    expect(response.status).toBe(200);
    expect(payloadOf(data?.access_token ?? '').amr).toEqual(factor ? ['pwd', 'otp'] : ['pwd']);
    saw(factor ? 'a password reset with a code' : 'a password reset');
    account.password = next;
    endSessions(m, (s) => s.account === account);
    for (const other of m.resets) if (other.account === account) other.dead = true;
    if (!data) return;
    const session = { sid: sessionIdOf(data.access_token), account, live: true };
    m.sessions.push(session);
    issued(m, session, data);
  }
  toString = () => `resetPassword(reset #${this.token})`;
}
