/** The stateful fuzz model: what the sequences believe of accounts, sessions and tokens, and the state every command module shares. */
import type fc from 'fast-check';
import type { components } from '../../../generated/openapi.js';
import { asTokenPair, type TestServer } from '../../helpers/server.js';
import { testClock } from '../../helpers/clock.js';
import { startOfTotpStep, TOTP_STEP_MS } from '../../helpers/totp.js';

/** The server's refresh-token reuse grace window (REFRESH_REUSE_GRACE_SECONDS in the test's server). */
export const GRACE_MS = 1000;
type TokenResponse = components['schemas']['TokenResponse'];

export interface Account {
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
export interface MfaToken {
  text: string;
  account: Account;
  /** Spent by a successful second step, or expired (moved into the past in the database). */
  dead: boolean;
}

export interface Session {
  sid: string;
  account: Account;
  live: boolean;
}

export interface RefreshToken {
  text: string;
  session: Session;
  /** Replaced by a password change: unknown to the server from then on. */
  gone: boolean;
  /** When the server spent it (between these client clock readings) and what it gave for it. */
  spent?: { from: number; to: number; successor: string };
}

/** A password-reset token, read from the mail the server wrote (MAIL_DIR, no SMTP_URL). */
export interface ResetToken {
  text: string;
  account: Account;
  /** Spent, superseded by a newer request, or voided by a password change or reset. */
  dead: boolean;
}

export interface Model {
  resets: ResetToken[];
  accounts: Account[];
  sessions: Session[];
  access: { text: string; session: Session }[];
  refresh: RefreshToken[];
  /** Failed logins per email: the fifth locks the address for the throttle's window. Wrong codes count too. */
  failures: Map<string, number>;
  mfaTokens: MfaToken[];
}

export interface Real {
  server: TestServer;
  /** An admin outside the model, never touched by it: the actor of admin commands. */
  root: string;
}

export type Command = fc.AsyncCommand<Model, Real, false>;

// One instance of each for all the command modules; only stateful.test.ts loads them, once per worker.
/** Every password, token, code and secret the sequences handled: none may reach the server's log. */
export const secrets = new Set<string>();
/** What the sequences got to check, so a model that never reaches a case cannot pass unnoticed. */
export const outcomes = new Map<string, number>();
export const saw = (outcome: string) => outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);

/** The server's clock: TOTP steps move on when a code must be fresh, never by waiting. */
export const clock = testClock({ frozenAt: startOfTotpStep() });
export const step = () => Math.floor(clock.now() / TOTP_STEP_MS);

export const works = (session: Session) => session.live && session.account.exists && session.account.active;
export const pick = <T>(list: T[], index: number): T => {
  const item = list[index % list.length];
  if (item === undefined) throw new Error('picked from an empty list');
  return item;
};

export function issued(model: Model, session: Session, response: TokenResponse): void {
  const tokens = asTokenPair(response);
  model.access.push({ text: tokens.access_token, session });
  if (!model.refresh.some((token) => token.text === tokens.refresh_token)) model.refresh.push({ text: tokens.refresh_token, session, gone: false });
  secrets.add(tokens.access_token).add(tokens.refresh_token);
}

export function endSessions(model: Model, which: (session: Session) => boolean): void {
  for (const session of model.sessions) if (which(session)) session.live = false;
}
