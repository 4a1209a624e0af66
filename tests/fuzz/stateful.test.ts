import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserSchema } from '../../server/db/entities/user.entity.js';
import { registerAndLogin, startTestServer, type TestServer } from '../helpers/server.js';
import { DEFAULT_SEED, FUZZ_SERVER_ENV, secretsInLogs } from './fuzzer.js';
import { AdminUpdate, ChangePassword, CheckAllTokens, DeleteAccount, Login, Me, Register } from './stateful/account-commands.js';
import { ForgotPassword, ResetPassword } from './stateful/mail-commands.js';
import { AdminRemoveMfa, ChangeMfa, EnableMfa, MfaLogin, type MfaUse } from './stateful/mfa-commands.js';
import { clock, GRACE_MS, outcomes, secrets, type Model } from './stateful/model.js';
import { ListSessions, LogOut, Refresh, ReplayLate, RevokeSession } from './stateful/session-commands.js';

/**
 * Sequences of register, login, me, refresh (and replays of spent refresh tokens), logout, password change,
 * forgot-password and reset (the token read from the mail the server wrote), account deletion, admin role and
 * activation changes, the second factor (enrolment, logins, removal by the owner or an admin), checked after every step against a small model of
 * which tokens must work. Time is real, bounded on both sides: a replay is judged inside or outside the
 * grace window only when the bounds of when the server spent the token and when it saw the replay say so;
 * in between either answer is right and the model follows the one the server gave. Replays after the window
 * move the spending time back in the database rather than wait.
 */
const SEQUENCES = Number(process.env.FUZZ_SEQUENCES ?? 20);
const SEED = Number(process.env.FUZZ_SEED ?? DEFAULT_SEED);

let server: TestServer;
let root: string;

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
