import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import fc from 'fast-check';
import type { components, operations } from '../../generated/openapi.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MfaChallengeSchema } from '../../server/db/entities/mfa-challenge.entity.js';
import { RefreshTokenSchema } from '../../server/db/entities/refresh-token.entity.js';
import { UserSchema } from '../../server/db/entities/user.entity.js';
import { asTokenPair, bearer, registerAndLogin, startTestServer, type TestServer } from '../helpers/server.js';
import { sessionIdOf } from '../helpers/auth-flows.js';
import { payloadOf } from '../helpers/tokens.js';
import { testClock } from '../helpers/clock.js';
import { codeAt, startOfTotpStep, TOTP_STEP_MS } from '../helpers/totp.js';
import { DEFAULT_SEED, FUZZ_SERVER_ENV, secretsInLogs } from './fuzzer.js';

/**
 * Sequences of register, login, me, refresh (and replays of spent refresh tokens), logout, password change,
 * forgot-password and reset (the token read from the mail the server wrote), account deletion, admin role and
 * activation changes, the second factor (enrolment, logins, removal by the owner or an admin), checked after every step against a small model of
 * which tokens must work. Time is real, bounded on both sides: a replay is judged inside or outside the
 * grace window only when the bounds of when the server spent the token and when it saw the replay say so;
 * in between either answer is right and the model follows the one the server gave. Replays after the window
 * move the spending time back in the database rather than wait.
 */
const GRACE_MS = 1000;
const SEQUENCES = Number(process.env.FUZZ_SEQUENCES ?? 20);
type TokenResponse = components['schemas']['TokenResponse'];
type LogoutScope = NonNullable<operations['logOut']['parameters']['query']>['scope'];
const SEED = Number(process.env.FUZZ_SEED ?? DEFAULT_SEED);

interface Account {
  email: string;
  password: string;
  id: number;
  exists: boolean;
  active: boolean;
  role: components['schemas']['Role'];
  /** A confirmed authenticator app: its secret, the last step whose code the server took, unused recovery codes. */
  factor?: { secret: string; lastStep: number | null; recovery: string[] };
}

/** The `mfa_token` of a login's first step on an account with a factor. */
interface MfaToken {
  text: string;
  account: Account;
  /** Spent by a successful second step, or expired (moved into the past in the database). */
  dead: boolean;
}

interface Session {
  sid: string;
  account: Account;
  live: boolean;
}

interface RefreshToken {
  text: string;
  session: Session;
  /** Replaced by a password change: unknown to the server from then on. */
  gone: boolean;
  /** When the server spent it (between these client clock readings) and what it gave for it. */
  spent?: { from: number; to: number; successor: string };
}

/** A password-reset token, read from the mail the server wrote (MAIL_DIR, no SMTP_URL). */
interface ResetToken {
  text: string;
  account: Account;
  /** Spent, superseded by a newer request, or voided by a password change or reset. */
  dead: boolean;
}

interface Model {
  resets: ResetToken[];
  accounts: Account[];
  sessions: Session[];
  access: { text: string; session: Session }[];
  refresh: RefreshToken[];
  /** Failed logins per email: the fifth locks the address for the throttle's window. Wrong codes count too. */
  failures: Map<string, number>;
  mfaTokens: MfaToken[];
}

interface Real {
  server: TestServer;
  /** An admin outside the model, never touched by it: the actor of admin commands. */
  root: string;
}

let server: TestServer;
let root: string;
const secrets = new Set<string>();
let emails = 0;
/** What the sequences got to check, so a model that never reaches a case cannot pass unnoticed. */
const outcomes = new Map<string, number>();
const saw = (outcome: string) => outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);

/** The server's clock: TOTP steps move on when a code must be fresh, never by waiting. */
const clock = testClock({ frozenAt: startOfTotpStep() });
const step = () => Math.floor(clock.now() / TOTP_STEP_MS);

beforeAll(async () => {
  // Access tokens live a day: the moved clock never outruns them within a run.
  server = await startTestServer({ ...FUZZ_SERVER_ENV, REFRESH_REUSE_GRACE_SECONDS: String(GRACE_MS / 1000), ACCESS_TOKEN_EXPIRE_MINUTES: '1440', MAIL_ACCOUNT_MAX_PER_HOUR: '1000' }, { clock });
  const admin = await registerAndLogin(server);
  await server.running.orm.em.fork().nativeUpdate(UserSchema, { id: admin.user.id }, { role: 'admin' });
  root = admin.token;
});
afterAll(async () => {
  await server?.stop();
});

const works = (session: Session) => session.live && session.account.exists && session.account.active;
const pick = <T>(list: T[], index: number): T => {
  const item = list[index % list.length];
  if (item === undefined) throw new Error('picked from an empty list');
  return item;
};

function issued(model: Model, session: Session, response: TokenResponse): void {
  const tokens = asTokenPair(response);
  model.access.push({ text: tokens.access_token, session });
  if (!model.refresh.some((token) => token.text === tokens.refresh_token)) model.refresh.push({ text: tokens.refresh_token, session, gone: false });
  secrets.add(tokens.access_token).add(tokens.refresh_token);
}

function endSessions(model: Model, which: (session: Session) => boolean): void {
  for (const session of model.sessions) if (which(session)) session.live = false;
}

type Command = fc.AsyncCommand<Model, Real, false>;

class Register implements Command {
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

class Login implements Command {
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

class Me implements Command {
  constructor(readonly token: number) {}
  check = (m: Readonly<Model>) => m.access.length > 0;
  async run(m: Model, r: Real) {
    await checkAccessToken(r, pick(m.access, this.token));
  }
  toString = () => `me(access #${this.token})`;
}

/** Every access token issued so far (the latest twelve), each against the model. */
class CheckAllTokens implements Command {
  check = (m: Readonly<Model>) => m.access.length > 0;
  async run(m: Model, r: Real) {
    for (const token of m.access.slice(-12)) await checkAccessToken(r, token);
  }
  toString = () => 'checkAllTokens()';
}

class Refresh implements Command {
  /** Which tokens to pick from: any, the spent ones (a replay), or those a password change replaced. */
  constructor(readonly token: number, readonly among: 'any' | 'spent' | 'replaced' = 'any') {}
  check = (m: Readonly<Model>) => this.candidates(m).length > 0;
  private candidates(m: Readonly<Model>): RefreshToken[] {
    if (this.among === 'any') return m.refresh;
    return m.refresh.filter((token) => (this.among === 'spent' ? token.spent : token.gone));
  }
  async run(m: Model, r: Real) {
    const token = pick(this.candidates(m), this.token);
    // The server reads the moved clock (sessions included), so the grace window is judged on it too.
    const sentAt = clock.now();
    const { data, error, response } = await r.server.client.POST('/api/v1/users/refresh', { body: { refresh_token: token.text } });
    const receivedAt = clock.now();
    if (token.gone || !works(token.session)) {
      expect(response.status).toBe(401);
      expect(error?.code).toBe('invalid_refresh_token');
      return void saw(token.gone ? 'a refresh token replaced by a password change refused' : 'a refresh token of an ended session refused');
    }
    if (!token.spent) {
      expect(response.status).toBe(200);
      if (!data) return;
      token.spent = { from: sentAt, to: receivedAt, successor: asTokenPair(data).refresh_token };
      issued(m, token.session, data);
      return;
    }
    const soonest = sentAt - token.spent.to;
    const latest = receivedAt - token.spent.from;
    const within = latest <= GRACE_MS ? true : soonest > GRACE_MS ? false : response.status === 200;
    if (within) {
      // A spent token never yields a second live child: inside the grace window, the same successor again.
      expect(response.status).toBe(200);
      expect(data?.refresh_token).toBe(token.spent.successor);
      if (data) issued(m, token.session, data);
      saw('a replay inside the grace window');
    } else {
      expect(response.status).toBe(401);
      expect(error?.code).toBe('refresh_token_reused');
      token.session.live = false; // someone holds a copy: the whole session ends
      saw('a replay after the grace window');
    }
  }
  toString = () => `refresh(${this.among === 'any' ? '' : `${this.among} `}refresh #${this.token})`;
}

class LogOut implements Command {
  constructor(readonly token: number, readonly scope: LogoutScope) {}
  check = (m: Readonly<Model>) => m.access.length > 0;
  async run(m: Model, r: Real) {
    const { text, session } = pick(m.access, this.token);
    const { response } = await r.server.client.POST('/api/v1/users/logout', { params: { query: { scope: this.scope } }, headers: bearer(text) });
    if (!works(session)) return void expect(response.status).toBe(401);
    expect(response.status).toBe(204);
    const mine = (s: Session) => s.account === session.account;
    if (this.scope === 'current') session.live = false;
    else endSessions(m, (s) => mine(s) && (this.scope === 'all' || s !== session));
  }
  toString = () => `logout(access #${this.token}, ${this.scope})`;
}

class ChangePassword implements Command {
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

class DeleteAccount implements Command {
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
class AdminUpdate implements Command {
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

class ListSessions implements Command {
  constructor(readonly token: number) {}
  check = (m: Readonly<Model>) => m.access.length > 0;
  async run(m: Model, r: Real) {
    const { text, session } = pick(m.access, this.token);
    const { data, response } = await r.server.client.GET('/api/v1/users/me/sessions', { headers: bearer(text) });
    if (!works(session)) return void expect(response.status).toBe(401);
    expect(response.status).toBe(200);
    const expected = m.sessions.filter((s) => s.account === session.account && s.live).map((s) => s.sid);
    expect(data?.items.map((item) => item.id).sort()).toEqual(expected.sort());
    expect(data?.items.filter((item) => item.current).map((item) => item.id)).toEqual([session.sid]);
  }
  toString = () => `listSessions(access #${this.token})`;
}

class RevokeSession implements Command {
  constructor(readonly token: number, readonly session: number) {}
  check = (m: Readonly<Model>) => m.access.length > 0 && m.sessions.length > 0;
  async run(m: Model, r: Real) {
    const { text, session } = pick(m.access, this.token);
    const target = pick(m.sessions, this.session);
    const { response } = await r.server.client.DELETE('/api/v1/users/me/sessions/{sessionId}', { params: { path: { sessionId: target.sid } }, headers: bearer(text) });
    if (!works(session)) return void expect(response.status).toBe(401);
    // Another account's session gets the same answer as an unknown one.
    if (target.account !== session.account || !target.live) return void expect(response.status).toBe(404);
    expect(response.status).toBe(204);
    target.live = false;
  }
  toString = () => `revokeSession(access #${this.token}, session #${this.session})`;
}

/**
 * Moves the moment a spent refresh token was spent back past the grace window (a model of time: the row is
 * changed behind the server's back instead of waiting), then presents it again. That is theft: the whole
 * session must end.
 */
class ReplayLate implements Command {
  constructor(readonly token: number) {}
  check = (m: Readonly<Model>) => this.candidates(m).length > 0;
  private candidates(m: Readonly<Model>): RefreshToken[] {
    return m.refresh.filter((token) => token.spent && !token.gone && works(token.session));
  }
  async run(m: Model, r: Real) {
    const token = pick(this.candidates(m), this.token);
    const spentAt = clock.now() - GRACE_MS - 1000;
    const tokenHash = createHash('sha256').update(token.text, 'utf8').digest('hex');
    const moved = await r.server.running.orm.em.fork().nativeUpdate(RefreshTokenSchema, { tokenHash }, { spentAt: new Date(spentAt) });
    expect(moved).toBe(1);
    token.spent = { from: spentAt, to: spentAt, successor: token.spent?.successor ?? '' };
    await new Refresh(m.refresh.indexOf(token)).run(m, r);
  }
  toString = () => `replayLate(spent refresh #${this.token})`;
}

const seenMail = new Set<string>();

/** The token of the newest reset mail to `email` the server wrote to MAIL_DIR (waits for the sender loop). */
async function resetTokenFromMail(email: string): Promise<string> {
  const dir = join(server.dir, 'mail');
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
class ForgotPassword implements Command {
  constructor(readonly account: number) {}
  check = (m: Readonly<Model>) => m.accounts.length > 0;
  async run(m: Model, r: Real) {
    const account = pick(m.accounts, this.account);
    const current = m.accounts.find((a) => a.exists && a.email === account.email);
    const { data, response } = await r.server.client.POST('/api/v1/users/password/forgot', { body: { email: account.email } });
    expect(response.status).toBe(202);
    expect(data).toEqual({ status: 'accepted' });
    if (!current?.active) return void saw('a forgot-password request that mails nothing');
    const text = await resetTokenFromMail(current.email);
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
class ResetPassword implements Command {
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

/** Enrols and confirms an authenticator app with an access token; confirming ends the account's other sessions. */
class EnableMfa implements Command {
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
class ChangeMfa implements Command {
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
class AdminRemoveMfa implements Command {
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
async function wrongCode(factor: Account['factor']): Promise<string> {
  const near = factor ? await Promise.all([-30, 0, 30].map((offset) => codeAt(factor.secret, clock, offset))) : [];
  return ['000000', '111111', '222222', '333333'].find((code) => !near.includes(code)) ?? '444444';
}

type MfaUse = 'code' | 'recovery' | 'wrong' | 'replay' | 'other account' | 'as bearer' | 'expired';

/** Login's second step with an mfa_token of the model, used rightly or not. */
class MfaLogin implements Command {
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

const index = fc.nat({ max: 40 });
const adminUpdate = fc
  .tuple(
    index,
    fc.oneof(fc.constantFrom('member', 'admin').map((role) => ({ role })), fc.boolean().map((is_active) => ({ is_active }))),
    fc.oneof({ weight: 3, arbitrary: fc.constant<'root'>('root') }, { weight: 1, arbitrary: index }),
  )
  .map(([account, change, actor]) => new AdminUpdate(account, change, actor));
const commands = [
  fc.option(index, { nil: undefined }).map((reuse) => new Register(reuse)),
  // Mostly the right password: five wrong ones lock the address for the rest of the run.
  fc.tuple(index, fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) })).map(([account, right]) => new Login(account, right)),
  index.map((token) => new Me(token)),
  fc.constant(new CheckAllTokens()),
  fc.constant(new CheckAllTokens()),
  index.map((token) => new Refresh(token)),
  index.map((token) => new Refresh(token, 'spent')),
  index.map((token) => new Refresh(token, 'replaced')),
  fc.tuple(index, fc.constantFrom('current', 'others', 'all')).map(([token, scope]) => new LogOut(token, scope)),
  fc.tuple(index, fc.boolean()).map(([token, right]) => new ChangePassword(token, right)),
  fc.tuple(index, fc.boolean()).map(([token, right]) => new DeleteAccount(token, right)),
  adminUpdate,
  adminUpdate,
  index.map((token) => new ListSessions(token)),
  fc.tuple(index, index).map(([token, session]) => new RevokeSession(token, session)),
  index.map((token) => new ReplayLate(token)),
  // Twice: a reset needs a mailed link first, and resets now have four outcomes (with a code, without, wrong, none asked).
  index.map((account) => new ForgotPassword(account)),
  index.map((account) => new ForgotPassword(account)),
  fc.tuple(index, fc.constantFrom<'code' | 'none' | 'wrong'>('code', 'none', 'wrong')).map(([token, proof]) => new ResetPassword(token, proof)),
  fc.tuple(index, fc.constantFrom<'code' | 'none' | 'wrong'>('code', 'code', 'none', 'wrong')).map(([token, proof]) => new ResetPassword(token, proof)),
  index.map((token) => new EnableMfa(token)),
  fc.tuple(index, fc.constantFrom<'regenerate' | 'remove'>('regenerate', 'remove')).map(([token, action]) => new ChangeMfa(token, action)),
  index.map((account) => new AdminRemoveMfa(account)),
  fc
    .tuple(index, fc.constantFrom<MfaUse>('code', 'code', 'recovery', 'wrong', 'replay', 'other account', 'as bearer', 'expired'))
    .map(([token, use]) => new MfaLogin(token, use)),
  fc
    .tuple(index, fc.constantFrom<MfaUse>('code', 'recovery', 'replay', 'other account', 'wrong'))
    .map(([token, use]) => new MfaLogin(token, use)),
];

describe('tokens work exactly while the model says they must', () => {
  it('over random sequences of account and session operations', { timeout: 300_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 40, size: 'max' }), async (sequence) => {
        await fc.asyncModelRun(async () => {
          // Every sequence starts with two accounts, each logged in once, and one refresh, for the commands to act on.
          const model: Model = { accounts: [], sessions: [], access: [], refresh: [], failures: new Map(), resets: [], mfaTokens: [] };
          const real = { server, root };
          // The third account has an authenticator app and one pending second step; the second has an app too.
          for (const command of [
            new Register(undefined),
            new Register(undefined),
            new Register(undefined),
            new Login(0, true),
            new Login(1, true),
            new Refresh(0),
            new Login(2, true),
            new EnableMfa(3),
            new Login(2, true),
            // A second account with an app, whose codes the first one's second step must refuse.
            new EnableMfa(1),
          ]) {
            await command.run(model, real);
          }
          return { model, real };
        }, sequence);
      }),
      { numRuns: SEQUENCES, seed: SEED },
    );
  });

  it('reached every kind of outcome the model knows', () => {
    for (const outcome of [
      'a live token accepted',
      'a dead token refused (deleted)',
      'a dead token refused (deactivated)',
      'a dead token refused (session ended)',
      'a refresh token of an ended session refused',
      'a refresh token replaced by a password change refused',
      'a replay inside the grace window',
      'a replay after the grace window',
      'a password reset',
      'a password reset with a code',
      'a reset without the code refused',
      'a reset with a wrong code refused',
      'a dead reset token refused',
      'login asked for a second factor',
      'recovery codes replaced',
      'an authenticator app removed',
      'an authenticator app removed by an admin',
      'an admin removal without a factor refused',
      'a login finished with a code',
      'a login finished with a recovery code',
      'a spent mfa_token refused',
      'an expired mfa_token refused',
      'an mfa_token refused as a bearer token',
      'a code refused (other account)',
      'a code refused (replay)',
      'a code refused (wrong)',
    ]) {
      expect(outcomes.get(outcome) ?? 0, `${outcome}: ${JSON.stringify([...outcomes])}`).toBeGreaterThan(0);
    }
  });

  it('and the server logged none of their passwords and tokens', async () => {
    await new Promise((resolve) => setImmediate(resolve));
    expect(secrets.size).toBeGreaterThan(20);
    expect(secretsInLogs(server.logs(), secrets)).toEqual([]);
  });
});
