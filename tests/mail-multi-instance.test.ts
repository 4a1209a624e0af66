import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHILD_TEST_TIMEOUT_MS, cleanUpChildren, makeTempDir, startChildServer, type ChildServer } from './helpers/child-server.js';
import { postJson } from './helpers/http.js';
import { createRedisNamespace, createTestDatabase, type TestDatabase, type TestRedisNamespace } from './helpers/postgres.js';
import { startSmtpServer, type TestSmtpServer } from './helpers/smtp.js';
import { testEnv, uniqueEmail } from './helpers/server.js';

/**
 * Two server processes on one PostgreSQL outbox, each with its own sender loop polling it: every mail is claimed
 * by exactly one of them, also when SMTP was down and both retry it.
 */
describe.skipIf(!process.env.TEST_DATABASE_URL || !process.env.TEST_REDIS_URL)(
  'two instances deliver each outbox mail once (set TEST_DATABASE_URL and TEST_REDIS_URL to run)',
  { timeout: CHILD_TEST_TIMEOUT_MS },
  () => {
    let database: TestDatabase;
    let redis: TestRedisNamespace;
    let smtp: TestSmtpServer;
    let a: ChildServer;
    let b: ChildServer;

    beforeAll(async () => {
      database = await createTestDatabase();
      redis = createRedisNamespace();
      smtp = await startSmtpServer();
      const dir = makeTempDir('mail-instances');
      const env = testEnv(dir, {
        DATABASE_URL: database.url,
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: redis.keyPrefix,
        SMTP_URL: smtp.url,
        MAIL_RETRY_BASE_SECONDS: '1',
        MAIL_SEND_TIMEOUT_SECONDS: '2',
        MAIL_ADDRESS_MAX_PER_HOUR: '100000',
      });
      [a, b] = await Promise.all([startChildServer({ env, cwd: dir }), startChildServer({ env, cwd: dir })]);
    }, CHILD_TEST_TIMEOUT_MS);

    afterAll(async () => {
      await cleanUpChildren();
      await smtp?.stop();
      await database?.drop();
      await redis?.clear();
    });

    it('forgot-password on both instances at once: one reset mail per request, never two', async () => {
      const emails = Array.from({ length: 6 }, () => uniqueEmail('twice'));
      for (const [i, email] of emails.entries()) {
        expect((await postJson((i % 2 ? a : b).url, '/api/v1/users/register', { email, password: `multi instance pw ${i}` })).status).toBe(201);
      }
      await Promise.all(emails.map(async (email, i) => expect((await postJson((i % 2 ? b : a).url, '/api/v1/users/password/forgot', { email })).status).toBe(202)));
      for (const email of emails) await smtp.waitFor(email, 2);
      await new Promise((resolve) => setTimeout(resolve, 2500)); // both loops have polled again meanwhile
      for (const email of emails) {
        expect(smtp.mails.filter((mail) => mail.to === email).map((mail) => mail.subject).sort()).toEqual(['Confirm your email address', 'Reset your password']);
      }
    });

    it('SMTP down: both answer 202; when SMTP returns each mail arrives exactly once', async () => {
      const email = uniqueEmail('outage');
      expect((await postJson(a.url, '/api/v1/users/register', { email, password: 'outage password one' })).status).toBe(201);
      await smtp.waitFor(email);
      smtp.refuseConnections();
      try {
        expect((await postJson(a.url, '/api/v1/users/password/forgot', { email })).status).toBe(202);
        expect((await postJson(b.url, '/api/v1/users/password/forgot', { email })).status).toBe(202);
        await new Promise((resolve) => setTimeout(resolve, 2000)); // attempts fail on both meanwhile
      } finally {
        smtp.acceptConnections();
      }
      // The second request superseded the first one's link, but both mails were queued: two reset mails, one each.
      await smtp.waitFor(email, 3, 30_000);
      await new Promise((resolve) => setTimeout(resolve, 3000));
      expect(smtp.mails.filter((mail) => mail.to === email && mail.subject === 'Reset your password')).toHaveLength(2);
    });
  },
);
