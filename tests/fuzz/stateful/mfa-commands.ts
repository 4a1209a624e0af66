/** Commands on the second factor: enrolment, new recovery codes, removal by the owner or an admin, and login's second step. */
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { MfaChallengeSchema } from '../../../server/db/entities/mfa-challenge.entity.js';
import { bearer } from '../../helpers/server.js';
import { sessionIdOf } from '../../helpers/auth-flows.js';
import { payloadOf } from '../../helpers/tokens.js';
import { codeAt, TOTP_STEP_MS } from '../../helpers/totp.js';
import { clock, endSessions, issued, pick, saw, secrets, step, works, type Account, type Command, type Model, type Real } from './model.js';

/** Enrols and confirms an authenticator app with an access token; confirming ends the account's other sessions. */
export class EnableMfa implements Command {
  constructor(readonly token: number) {}
  check = (m: Readonly<Model>) => m.access.length > 0;
  async run(m: Model, r: Real) {
    const { text, session } = pick(m.access, this.token);
    const account = session.account;
    const enrolled = await r.server.client.POST('/api/v1/users/me/mfa/totp', { headers: bearer(text), body: { password: account.password } });
    if (!works(session)) return void expect(enrolled.response.status).toBe(401);
    if (account.factor) {
      expect(enrolled.response.status).toBe(409);
      return void saw('a second enrolment refused');
    }
    expect(enrolled.response.status).toBe(201);
    const secret = enrolled.data?.secret ?? '';
    secrets.add(secret);
    const confirmed = await r.server.client.POST('/api/v1/users/me/mfa/totp/confirm', { headers: bearer(text), body: { code: await codeAt(secret, clock) } });
    expect(confirmed.response.status).toBe(200);
    const recovery = confirmed.data?.recovery_codes ?? [];
    for (const code of recovery) secrets.add(code);
    account.factor = { secret, lastStep: step(), recovery };
    endSessions(m, (s) => s.account === account && s !== session);
  }
  toString = () => `enableMfa(access #${this.token})`;
}

/** New recovery codes, or the app removed: both need the password and a fresh code; removal ends the other sessions. */
export class ChangeMfa implements Command {
  constructor(
    readonly token: number,
    readonly action: 'regenerate' | 'remove',
  ) {}
  check = (m: Readonly<Model>) => m.access.length > 0;
  async run(m: Model, r: Real) {
    const { text, session } = pick(m.access, this.token);
    const account = session.account;
    const factor = account.factor;
    if (factor && factor.lastStep !== null && factor.lastStep >= step()) clock.advance(TOTP_STEP_MS);
    const body = { password: account.password, code: factor ? await codeAt(factor.secret, clock) : '123456' };
    const { data, response } =
      this.action === 'regenerate'
        ? await r.server.client.POST('/api/v1/users/me/mfa/recovery-codes', { headers: bearer(text), body })
        : await r.server.client.DELETE('/api/v1/users/me/mfa/totp', { headers: bearer(text), body });
    if (!works(session)) return void expect(response.status).toBe(401);
    if (!factor) {
      expect(response.status).toBe(409);
      return void saw(`${this.action} without a factor refused`);
    }
    const failures = m.failures.get(account.email) ?? 0;
    if (failures >= 5) return void expect(response.status).toBe(429);
    factor.lastStep = step();
    m.failures.delete(account.email);
    if (this.action === 'regenerate') {
      expect(response.status).toBe(200);
      factor.recovery = data?.recovery_codes ?? [];
      for (const code of factor.recovery) secrets.add(code);
      return void saw('recovery codes replaced');
    }
    expect(response.status).toBe(204);
    delete account.factor;
    endSessions(m, (s) => s.account === account && s !== session);
    saw('an authenticator app removed');
  }
  toString = () => `changeMfa(access #${this.token}, ${this.action})`;
}

/** An admin removes an account's app (the owner lost it): every session of the account ends, its own included. */
export class AdminRemoveMfa implements Command {
  constructor(readonly account: number) {}
  check = (m: Readonly<Model>) => m.accounts.length > 0;
  async run(m: Model, r: Real) {
    const account = pick(m.accounts, this.account);
    const { error, response } = await r.server.client.DELETE('/api/v1/admin/users/{userId}/mfa', { params: { path: { userId: account.id } }, headers: bearer(r.root) });
    if (!account.exists) return void expect(response.status).toBe(404);
    if (!account.factor) {
      expect(response.status).toBe(409);
      expect(error?.code).toBe('mfa_not_enabled');
      return void saw('an admin removal without a factor refused');
    }
    expect(response.status).toBe(204);
    delete account.factor;
    endSessions(m, (s) => s.account === account);
    for (const token of m.mfaTokens) if (token.account === account) token.dead = true;
    saw('an authenticator app removed by an admin');
  }
  toString = () => `adminRemoveMfa(account #${this.account})`;
}

/** Six digits the factor's app does not show now, nor a step either side (which the server takes too). */
export async function wrongCode(factor: Account['factor']): Promise<string> {
  const near = factor ? await Promise.all([-30, 0, 30].map((offset) => codeAt(factor.secret, clock, offset))) : [];
  return ['000000', '111111', '222222', '333333'].find((code) => !near.includes(code)) ?? '444444';
}

export type MfaUse = 'code' | 'recovery' | 'wrong' | 'replay' | 'other account' | 'as bearer' | 'expired';

/** Login's second step with an mfa_token of the model, used rightly or not. */
export class MfaLogin implements Command {
  constructor(readonly token: number, readonly use: MfaUse) {}
  check = (m: Readonly<Model>) => m.mfaTokens.length > 0;
  async run(m: Model, r: Real) {
    // Misuses of a code are tried on a live token where there is one (a dead one would stop at the token).
    const live = m.mfaTokens.filter((one) => !one.dead);
    const among = this.use === 'code' || this.use === 'as bearer' || live.length === 0 ? m.mfaTokens : live;
    const token = pick(among, this.use === 'expired' ? among.length - 1 : this.token);
    const { account } = token;
    if (this.use === 'as bearer') {
      const { response } = await r.server.client.GET('/api/v1/users/me', { headers: bearer(token.text) });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="authapi", error="invalid_token"');
      return void saw('an mfa_token refused as a bearer token');
    }
    if (this.use === 'expired') {
      const tokenHash = createHash('sha256').update(token.text, 'utf8').digest('hex');
      await r.server.running.orm.em.fork().nativeUpdate(MfaChallengeSchema, { tokenHash }, { expiresAt: new Date(clock.now() - 1000) });
    }
    const factor = account.factor;
    const other = m.accounts.find((a) => a !== account && a.exists && a.factor);
    let proof: { code: string } | { recovery_code: string };
    let right = false;
    if (this.use === 'recovery' && factor && factor.recovery.length > 0) {
      proof = { recovery_code: factor.recovery[0] ?? '' };
      right = true;
    } else if (this.use === 'replay' && factor?.lastStep != null) {
      proof = { code: await codeAt(factor.secret, { now: () => (factor.lastStep ?? 0) * 30_000 }) };
    } else if (this.use === 'other account' && other?.factor) {
      if (factor?.lastStep === step()) clock.advance(TOTP_STEP_MS);
      proof = { code: await codeAt(other.factor.secret, clock) };
    } else if (factor && this.use !== 'wrong') {
      if (factor.lastStep !== null && factor.lastStep >= step()) clock.advance(TOTP_STEP_MS);
      proof = { code: await codeAt(factor.secret, clock) };
      right = true;
    } else {
      proof = { code: await wrongCode(factor) };
    }
    const { data, error, response } = await r.server.client.POST('/api/v1/users/login/mfa', { body: { mfa_token: token.text, ...proof } });
    // The server's order: the token, the account's state, its factor, the throttle, then the code.
    if (token.dead || this.use === 'expired' || !account.exists || !factor) {
      token.dead = true;
      expect(response.status).toBe(401);
      expect(error?.code).toBe('invalid_mfa_token');
      return void saw(this.use === 'expired' ? 'an expired mfa_token refused' : 'a spent mfa_token refused');
    }
    if (!account.active) {
      expect(response.status).toBe(403);
      return void saw('a second step of a deactivated account refused');
    }
    const failures = m.failures.get(account.email) ?? 0;
    if (failures >= 5) {
      expect(response.status).toBe(429);
      return void saw('a second step throttled');
    }
    if (!right) {
      expect(response.status).toBe(401);
      expect(error?.code).toBe('invalid_mfa_code');
      m.failures.set(account.email, failures + 1);
      return void saw(`a code refused (${this.use})`);
    }
    expect(response.status).toBe(200);
    if (!data) return;
    if ('code' in proof) factor.lastStep = step();
    else factor.recovery.shift();
    token.dead = true;
    m.failures.delete(account.email);
    expect(payloadOf(data.access_token).amr).toEqual(['pwd', 'otp']);
    const session = { sid: sessionIdOf(data.access_token), account, live: true };
    m.sessions.push(session);
    issued(m, session, data);
    saw(`a login finished with a ${'code' in proof ? 'code' : 'recovery code'}`);
  }
  toString = () => `mfaLogin(mfa token #${this.token}, ${this.use})`;
}
