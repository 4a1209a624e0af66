import { afterAll, describe, expect, it } from 'vitest';
import { CHILD_TEST_TIMEOUT_MS, cleanUpChildren, makeTempDir, startChildServer } from './helpers/child-server.js';
import { postJson } from './helpers/http.js';
import { onPostgres, testEnv, uniqueEmail } from './helpers/server.js';
import { startSmtpServer } from './helpers/smtp.js';

afterAll(cleanUpChildren);

const BURST = 40;
/** SIGKILL once this many registrations have been answered: the rest are still in flight. */
const KILL_AFTER = 10;

const TITLE = 'a killed server keeps every registration it acknowledged (sqlite project only: SQLite file durability)';

describe.skipIf(onPostgres)(TITLE, { timeout: CHILD_TEST_TIMEOUT_MS }, () => {
  it('after SIGKILL mid-burst and a restart on the same SQLite file, every 201 can log in', async () => {
    const dir = makeTempDir('crash');
    // Cost 8 spreads the burst over a few hundred milliseconds, so the kill lands in the middle of it.
    const env = testEnv(dir, { BCRYPT_ROUNDS: '8' });
    const first = await startChildServer({ cwd: dir, env });

    const accounts = Array.from({ length: BURST }, (_, i) => ({ email: uniqueEmail('crash'), password: `crash password ${i}` }));
    let answered = 0;
    const outcomes = await Promise.all(
      accounts.map(async (account) => {
        try {
          const response = await postJson(first.url, '/api/v1/users/register', account);
          answered += 1;
          if (answered === KILL_AFTER) first.kill('SIGKILL');
          return { account, status: response.status };
        } catch {
          return { account, status: 0 }; // the connection died with the process
        }
      }),
    );
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });

    const acknowledged = outcomes.filter((outcome) => outcome.status === 201).map((outcome) => outcome.account);
    expect(acknowledged.length).toBeGreaterThanOrEqual(KILL_AFTER);
    // Otherwise the kill came too late to test anything.
    expect(outcomes.some((outcome) => outcome.status === 0)).toBe(true);
    expect(outcomes.every((outcome) => outcome.status === 201 || outcome.status === 0)).toBe(true);

    const second = await startChildServer({ cwd: dir, env });
    const logins = await Promise.all(
      acknowledged.map(async (account) => {
        const { status } = await postJson(second.url, '/api/v1/users/login', account);
        return { email: account.email, status };
      }),
    );
    expect(logins.filter((login) => login.status !== 200)).toEqual([]);
    second.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  });
});

describe.skipIf(onPostgres)('a mail acknowledged with 202 survives kill -9 (sqlite project only: SQLite file durability)', { timeout: CHILD_TEST_TIMEOUT_MS }, () => {
  it('forgot-password, SIGKILL before delivery (SMTP down), restart with SMTP up: the mail arrives, once', async () => {
    const smtp = await startSmtpServer();
    smtp.refuseConnections(); // an outage: every attempt is refused with 421
    const dir = makeTempDir('mail-crash');
    const env = testEnv(dir, { SMTP_URL: smtp.url, MAIL_RETRY_BASE_SECONDS: '1', MAIL_SEND_TIMEOUT_SECONDS: '1' });
    try {
      const first = await startChildServer({ cwd: dir, env });
      const email = uniqueEmail('crash-mail');
      expect((await postJson(first.url, '/api/v1/users/register', { email, password: 'crash mail password 1' })).status).toBe(201);
      expect((await postJson(first.url, '/api/v1/users/password/forgot', { email })).status).toBe(202);
      first.kill('SIGKILL');
      await first.exited;
      expect(smtp.mails).toEqual([]);

      smtp.acceptConnections();
      const second = await startChildServer({ cwd: dir, env });
      const mails = await smtp.waitFor(email, 2, 30_000);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(smtp.mails.filter((mail) => mail.to === email).map((mail) => mail.subject).sort()).toEqual(['Confirm your email address', 'Reset your password']);
      expect(mails).toHaveLength(2);
      second.kill('SIGTERM');
      expect((await second.exited).code).toBe(0);
    } finally {
      await smtp.stop();
    }
  });
});
