/** Commands on sessions: refresh (and replays of spent refresh tokens), logout, listing and revoking sessions. */
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import type { operations } from '../../../generated/openapi.js';
import { RefreshTokenSchema } from '../../../server/db/entities/refresh-token.entity.js';
import { asTokenPair, bearer } from '../../helpers/server.js';
import { clock, endSessions, GRACE_MS, issued, pick, saw, works, type Command, type Model, type Real, type RefreshToken, type Session } from './model.js';

type LogoutScope = NonNullable<operations['logOut']['parameters']['query']>['scope'];

export class Refresh implements Command {
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

export class LogOut implements Command {
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

export class ListSessions implements Command {
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

export class RevokeSession implements Command {
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
export class ReplayLate implements Command {
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
