/** Commands on accounts: register, login, me, password change, deletion, and an admin's role and activation changes. */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { components } from '../../../generated/openapi.js';
import { bearer } from '../../helpers/server.js';
import { sessionIdOf } from '../../helpers/auth-flows.js';
import { endSessions, issued, pick, saw, secrets, works, type Command, type Model, type Real, type Session } from './model.js';

let emails = 0;

export class Register implements Command {
  constructor(readonly reuse: number | undefined) {}
  check = (m: Readonly<Model>) => m.accounts.filter((a) => a.exists).length < 4;
  async run(m: Model, r: Real) {
    // The email of a deleted account may be taken again; its old tokens must stay dead.
    const deleted = m.accounts.filter((a) => !a.exists && !m.accounts.some((b) => b.exists && b.email === a.email));
    emails += 1;
    const email = this.reuse !== undefined && deleted.length > 0 ? pick(deleted, this.reuse).email : `model-${process.pid}-${emails}@example.com`;
    const password = `Pw-${randomUUID()}`;
    secrets.add(password);
    const { data, response } = await r.server.client.POST('/api/v1/users/register', { body: { email, password } });
    expect(response.status).toBe(201);
    if (!data) return;
    m.accounts.push({ email, password, id: data.id, exists: true, active: true, role: 'member' });
  }
  toString = () => `register(${this.reuse === undefined ? 'new' : `again #${this.reuse}`})`;
}

export class Login implements Command {
  constructor(readonly account: number, readonly rightPassword: boolean) {}
  check = (m: Readonly<Model>) => m.accounts.length > 0;
  async run(m: Model, r: Real) {
    const account = pick(m.accounts, this.account);
    // A deleted account's email may belong to a new one now.
    const current = m.accounts.find((a) => a.exists && a.email === account.email);
    const password = this.rightPassword ? (current ?? account).password : `wrong-${randomUUID()}`;
    const { data, error, response } = await r.server.client.POST('/api/v1/users/login', { body: { email: account.email, password } });
    const failures = m.failures.get(account.email) ?? 0;
    if (failures >= 5) {
      expect(response.status).toBe(429);
      return void saw('login throttled');
    }
    if (current && current.active && this.rightPassword && current.factor) {
      // A password alone never yields a token on an account with a factor; the failure count stays.
      expect(response.status).toBe(401);
      expect(error?.code).toBe('mfa_required');
      expect(JSON.stringify(error)).not.toContain('access_token');
      if (!error?.mfa_token) throw new Error('mfa_required without an mfa_token');
      secrets.add(error.mfa_token);
      m.mfaTokens.push({ text: error.mfa_token, account: current, dead: false });
      return void saw('login asked for a second factor');
    }
    if (current && current.active && this.rightPassword) {
      expect(response.status).toBe(200);
      if (!data) return;
      m.failures.delete(account.email);
      const session = { sid: sessionIdOf(data.access_token), account: current, live: true };
      m.sessions.push(session);
      issued(m, session, data);
      return;
    }
    if (current && this.rightPassword) {
      // Deactivated: said once the password is proven, and not counted as a failure.
      expect(response.status).toBe(403);
      return void saw('login of a deactivated account refused');
    }
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBeTruthy();
    m.failures.set(account.email, failures + 1);
  }
  toString = () => `login(#${this.account}, ${this.rightPassword ? 'right' : 'wrong'} password)`;
}

/** GET /me answers 200 with the right account exactly while the token's session works, else 401. */
async function checkAccessToken(r: Real, { text, session }: { text: string; session: Session }): Promise<void> {
  const { data, response } = await r.server.client.GET('/api/v1/users/me', { headers: bearer(text) });
  if (!works(session)) {
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="authapi", error="invalid_token"');
    return void saw(`a dead token refused (${!session.account.exists ? 'deleted' : !session.account.active ? 'deactivated' : 'session ended'})`);
  }
  expect(response.status).toBe(200);
  saw('a live token accepted');
  const { id, email, role, active } = session.account;
  expect(data).toMatchObject({ id, email, role, is_active: active });
}

export class Me implements Command {
  constructor(readonly token: number) {}
  check = (m: Readonly<Model>) => m.access.length > 0;
  async run(m: Model, r: Real) {
    await checkAccessToken(r, pick(m.access, this.token));
  }
  toString = () => `me(access #${this.token})`;
}

/** Every access token issued so far (the latest twelve), each against the model. */
export class CheckAllTokens implements Command {
  check = (m: Readonly<Model>) => m.access.length > 0;
  async run(m: Model, r: Real) {
    for (const token of m.access.slice(-12)) await checkAccessToken(r, token);
  }
  toString = () => 'checkAllTokens()';
}

export class ChangePassword implements Command {
  constructor(readonly token: number, readonly rightPassword: boolean) {}
  check = (m: Readonly<Model>) => m.access.length > 0;
  async run(m: Model, r: Real) {
    const { text, session } = pick(m.access, this.token);
    const next = `Pw-${randomUUID()}`;
    secrets.add(next);
    const current_password = this.rightPassword ? session.account.password : 'not-the-password';
    const { data, response } = await r.server.client.POST('/api/v1/users/me/password', { headers: bearer(text), body: { current_password, new_password: next } });
    if (!works(session)) return void expect(response.status).toBe(401);
    if (!this.rightPassword) return void expect(response.status).toBe(403);
    expect(response.status).toBe(200);
    session.account.password = next;
    endSessions(m, (s) => s.account === session.account && s !== session);
    for (const reset of m.resets) if (reset.account === session.account) reset.dead = true;
    for (const token of m.refresh) if (token.session === session) token.gone = true;
    if (data) issued(m, session, data);
  }
  toString = () => `changePassword(access #${this.token}, ${this.rightPassword ? 'right' : 'wrong'} password)`;
}

export class DeleteAccount implements Command {
  constructor(readonly token: number, readonly rightPassword: boolean) {}
  check = (m: Readonly<Model>) => m.access.length > 0;
  async run(m: Model, r: Real) {
    const { text, session } = pick(m.access, this.token);
    const password = this.rightPassword ? session.account.password : 'not-the-password';
    const { response } = await r.server.client.DELETE('/api/v1/users/me', { headers: bearer(text), body: { password } });
    if (!works(session)) return void expect(response.status).toBe(401);
    if (!this.rightPassword) return void expect(response.status).toBe(403);
    expect(response.status).toBe(204); // the root admin stays, so no account here is ever the last admin
    session.account.exists = false;
    endSessions(m, (s) => s.account === session.account);
  }
  toString = () => `deleteAccount(access #${this.token}, ${this.rightPassword ? 'right' : 'wrong'} password)`;
}

/** An admin changes an account: the root admin, or an account of the model (which may not be an admin). */
export class AdminUpdate implements Command {
  constructor(
    readonly account: number,
    readonly change: { role: components['schemas']['Role'] } | { is_active: boolean },
    readonly actor: number | 'root',
  ) {}
  check = (m: Readonly<Model>) => m.accounts.length > 0 && (this.actor === 'root' || m.access.length > 0);
  async run(m: Model, r: Real) {
    const target = pick(m.accounts, this.account);
    const actor = this.actor === 'root' ? undefined : pick(m.access, this.actor);
    const { data, response } = await r.server.client.PATCH('/api/v1/admin/users/{userId}', {
      params: { path: { userId: target.id } },
      headers: bearer(actor?.text ?? r.root),
      body: this.change,
    });
    if (actor && !works(actor.session)) return void expect(response.status).toBe(401);
    if (actor && actor.session.account.role !== 'admin') return void expect(response.status).toBe(403);
    if (!target.exists) return void expect(response.status).toBe(404);
    expect(response.status).toBe(200);
    const endsSessions = 'role' in this.change ? this.change.role === 'member' && target.role === 'admin' : !this.change.is_active && target.active;
    if ('role' in this.change) target.role = this.change.role;
    else target.active = this.change.is_active;
    // Demotion and deactivation end every session; promotion and reactivation bring none back.
    if (endsSessions) endSessions(m, (s) => s.account === target);
    expect(data).toMatchObject({ id: target.id, role: target.role, is_active: target.active });
  }
  toString = () => `adminUpdate(#${this.account}, ${JSON.stringify(this.change)}, by ${this.actor === 'root' ? 'root' : `access #${this.actor}`})`;
}
