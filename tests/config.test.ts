import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import jwt from 'jsonwebtoken';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../server/config.js';
import { CHILD_TEST_TIMEOUT_MS, cleanUpChildren, makeTempDir, runToExit, startChildServer } from './helpers/child-server.js';
import { isRecord, postJson } from './helpers/http.js';
import { GOOD_PASSWORD, onPostgres, TEST_JWT_SECRET, testEnv, uniqueEmail, TEST_MFA_KEY } from './helpers/server.js';

afterAll(cleanUpChildren);

const STRONG_SECRET = 'a-strong-production-secret-0123456789abcdef';

/** The problems loadConfig reports for this environment (none: it returned a config). */
function problemsFor(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    expect(error.message).toContain('Invalid configuration');
    return error.problems;
  }
}

function production(overrides: Record<string, string> = {}): Record<string, string> {
  return { NODE_ENV: 'production', MAIL_DISABLED: 'true', MFA_ENCRYPTION_KEY: TEST_MFA_KEY, JWT_SECRET: STRONG_SECRET, ...overrides };
}

/** No stack frame, no file position: an operator reads one plain sentence per problem. */
function expectNoStackTrace(text: string): void {
  expect(text).not.toMatch(/^\s+at /m);
  expect(text).not.toMatch(/\.(?:js|ts):\d+/);
}

describe('loadConfig: JWT_SECRET', () => {
  it('starts in production with a strong secret', () => {
    const { config, warnings } = loadConfig(production());
    expect(config.jwt.secret).toBe(STRONG_SECRET);
    expect(warnings).toEqual([]);
  });

  it.each([
    ['missing', {}],
    ['empty', { JWT_SECRET: '' }],
    ['31 bytes', { JWT_SECRET: 'x'.repeat(31) }],
    ['the placeholder dev_secret', { JWT_SECRET: 'dev_secret' }],
    ['a long placeholder from a template', { JWT_SECRET: 'replace-me-with-at-least-32-random-bytes' }],
    ['the FastAPI tutorial key', { JWT_SECRET: '09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7' }],
    ['a placeholder in capitals', { JWT_SECRET: 'REPLACE-ME-WITH-AT-LEAST-32-RANDOM-BYTES' }],
  ])('refuses production with a JWT_SECRET that is %s', (_label, secret) => {
    const env: Record<string, string> = { NODE_ENV: 'production', MAIL_DISABLED: 'true', MFA_ENCRYPTION_KEY: TEST_MFA_KEY, ...secret };
    const problems = problemsFor(env);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^JWT_SECRET /);
  });

  it('accepts exactly 32 bytes', () => {
    expect(problemsFor(production({ JWT_SECRET: 'k'.repeat(32) }))).toEqual([]);
  });

  it.each(['development', 'test'])('outside production (%s) warns about a missing secret and starts with a development one', (nodeEnv) => {
    const { config, warnings } = loadConfig({ NODE_ENV: nodeEnv });
    expect(warnings.join('\n')).toMatch(/JWT_SECRET/);
    expect(Buffer.byteLength(config.jwt.secret)).toBeGreaterThanOrEqual(32);
  });

  it('treats an unset NODE_ENV as development, not production', () => {
    const { config, warnings } = loadConfig({ JWT_SECRET: 'dev_secret' });
    expect(config.nodeEnv).toBe('development');
    expect(config.jwt.secret).not.toBe('dev_secret');
    expect(warnings.join('\n')).toMatch(/JWT_SECRET/);
  });
});

describe('loadConfig: other variables', () => {
  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['BCRYPT_ROUNDS', 'twelve'],
    ['BCRYPT_ROUNDS', '3'],
    ['BCRYPT_ROUNDS', '16'],
    ['JWT_ALGORITHM', 'none'],
    ['JWT_ALGORITHM', 'RS256'],
    ['JWT_ALGORITHM', 'hs256'],
    ['NODE_ENV', 'prod'],
    ['DATABASE_URL', 'mysql://localhost/app'],
  ])('names %s when it is %j', (name, value) => {
    const problems = problemsFor({ JWT_SECRET: TEST_JWT_SECRET, [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(name);
  });

  it('refuses a low bcrypt cost in production that it allows in development', () => {
    expect(problemsFor(production({ BCRYPT_ROUNDS: '8' }))[0]).toContain('BCRYPT_ROUNDS');
    expect(problemsFor({ JWT_SECRET: TEST_JWT_SECRET, BCRYPT_ROUNDS: '8' })).toEqual([]);
  });

  it('reports every problem at once', () => {
    const problems = problemsFor({ NODE_ENV: 'production', MAIL_DISABLED: 'true', MFA_ENCRYPTION_KEY: TEST_MFA_KEY, PORT: 'x', JWT_ALGORITHM: 'none', BCRYPT_ROUNDS: 'y' });
    for (const name of ['JWT_SECRET', 'PORT', 'JWT_ALGORITHM', 'BCRYPT_ROUNDS']) expect(problems.join('\n')).toContain(name);
  });

  it('does not print the password of a rejected DATABASE_URL', () => {
    const problems = problemsFor({ JWT_SECRET: TEST_JWT_SECRET, DATABASE_URL: 'mysql://admin:hunter2@db.internal/app' });
    expect(problems.join('\n')).toContain('DATABASE_URL');
    expect(problems.join('\n')).not.toContain('hunter2');
  });
});

describe('loadConfig: DATABASE_URL', () => {
  const database = (url: string) => loadConfig({ JWT_SECRET: TEST_JWT_SECRET, DATABASE_URL: url }).config.database;

  it('resolves sqlite:///relative.db against the working directory', () => {
    expect(database('sqlite:///relative.db')).toEqual({ kind: 'sqlite', path: resolve(process.cwd(), 'relative.db') });
    expect(database('sqlite:///./data/app.db')).toEqual({ kind: 'sqlite', path: resolve(process.cwd(), 'data/app.db') });
  });

  it('reads sqlite:////abs/path.db (four slashes) as an absolute path', () => {
    expect(database('sqlite:////abs/path.db')).toEqual({ kind: 'sqlite', path: '/abs/path.db' });
  });

  it('defaults to ./app.db in the working directory', () => {
    expect(loadConfig({ JWT_SECRET: TEST_JWT_SECRET }).config.database).toEqual({ kind: 'sqlite', path: resolve(process.cwd(), 'app.db') });
  });

  it('accepts a PostgreSQL URL as given', () => {
    expect(database('postgresql://app:pw@localhost:5432/app')).toEqual({ kind: 'postgresql', url: 'postgresql://app:pw@localhost:5432/app' });
  });
});

const MAIN = 'node dist/server/main.js (sqlite project only: the child runs on its own SQLite file)';

describe.skipIf(onPostgres)(MAIN, { timeout: CHILD_TEST_TIMEOUT_MS }, () => {
  // Concurrent: each child spends most of its time loading modules.
  it.concurrent.each([
    ['missing', undefined],
    ['shorter than 32 bytes', 'too-short-secret'],
    ['the placeholder dev_secret', 'dev_secret'],
  ])('refuses to start in production when JWT_SECRET is %s, naming it without a stack trace', async (_label, secret) => {
    const cwd = makeTempDir('config');
    const env: Record<string, string> = { NODE_ENV: 'production', MAIL_DISABLED: 'true', MFA_ENCRYPTION_KEY: TEST_MFA_KEY, PORT: '0', DATABASE_URL: `sqlite:///${join(cwd, 'app.db')}` };
    if (secret !== undefined) env.JWT_SECRET = secret;
    const result = await runToExit({ cwd, env });
    expect(result.signal).toBeNull();
    expect(result.code).toBe(78); // EX_CONFIG, as the README promises
    const output = result.stderr + result.stdout;
    expect(output).toContain('JWT_SECRET');
    expect(output).not.toContain('listening');
    expectNoStackTrace(output);
    expect(existsSync(join(cwd, 'app.db'))).toBe(false);
  });

  it('outside production warns about a missing JWT_SECRET and starts', async () => {
    const cwd = makeTempDir('config');
    const env = testEnv(cwd, { NODE_ENV: 'development' });
    delete env.JWT_SECRET;
    const child = await startChildServer({ cwd, env });
    const warnings = child.logs().filter((line) => line.level === 40 && String(line.msg).includes('JWT_SECRET'));
    expect(warnings).toHaveLength(1);
    expect((await fetch(`${child.url}/healthz`)).status).toBe(200);
    child.kill('SIGTERM');
    expect((await child.exited).code).toBe(0);
  });

  it('loads .env from its working directory, lets real environment variables win, and resolves sqlite:/// there', async () => {
    const cwd = makeTempDir('dotenv');
    const dotenvSecret = 'secret-from-dotenv-file-0123456789abcdef';
    writeFileSync(
      join(cwd, '.env'),
      [`JWT_SECRET=${dotenvSecret}`, 'DATABASE_URL=sqlite:///from-dotenv.db', 'PORT=1', 'LOG_LEVEL=info', ''].join('\n'),
    );
    const env = testEnv(cwd, { DATABASE_URL: 'sqlite:///from-env.db' });
    delete env.JWT_SECRET;
    const child = await startChildServer({ cwd, env });

    // The secret came from .env: no development-secret warning, and tokens verify with it.
    expect(child.stdout()).not.toContain('JWT_SECRET');
    const email = uniqueEmail('dotenv');
    expect((await postJson(child.url, '/api/v1/users/register', { email, password: GOOD_PASSWORD })).status).toBe(201);
    const login = await postJson(child.url, '/api/v1/users/login', { email, password: GOOD_PASSWORD });
    expect(login.status).toBe(200);
    const token = isRecord(login.body) ? login.body.access_token : undefined;
    if (typeof token !== 'string') throw new Error(login.text);
    expect(() => jwt.verify(token, dotenvSecret, { algorithms: ['HS256'] })).not.toThrow();

    // The real environment's PORT=0 and DATABASE_URL won over .env's, and the relative path is in the cwd.
    expect(child.url).not.toMatch(/:1$/);
    expect(existsSync(join(cwd, 'from-env.db'))).toBe(true);
    expect(existsSync(join(cwd, 'from-dotenv.db'))).toBe(false);
    child.kill('SIGTERM');
    expect((await child.exited).code).toBe(0);
  });
});

describe('loadConfig: mail', () => {
  const smtp = { MAIL_DISABLED: '', SMTP_URL: 'smtp://mail.example.com:587', MAIL_FROM: 'Example <no-reply@example.com>', PASSWORD_RESET_URL: 'https://app.example.com/reset#token={token}', EMAIL_VERIFY_URL: 'https://app.example.com/verify#token={token}' };

  it('production refuses to start without SMTP_URL unless MAIL_DISABLED=true', () => {
    expect(problemsFor(production({ MAIL_DISABLED: '' })).join('\n')).toContain('SMTP_URL is not set');
    expect(problemsFor(production())).toEqual([]);
    expect(loadConfig(production()).config.mail.transport).toBe('disabled');
  });

  it('production with SMTP_URL needs MAIL_FROM and the two link templates of its front end', () => {
    expect(problemsFor(production(smtp))).toEqual([]);
    const problems = problemsFor(production({ ...smtp, MAIL_FROM: '', PASSWORD_RESET_URL: '', EMAIL_VERIFY_URL: '' })).join('\n');
    for (const name of ['MAIL_FROM', 'PASSWORD_RESET_URL', 'EMAIL_VERIFY_URL']) expect(problems).toContain(name);
  });

  it('refuses a template without {token}, an SMTP_URL of another scheme, and REQUIRE_VERIFIED_EMAIL without mail', () => {
    expect(problemsFor({ PASSWORD_RESET_URL: 'https://app.example.com/reset' })[0]).toContain('PASSWORD_RESET_URL');
    expect(problemsFor({ SMTP_URL: 'http://mail.example.com' })[0]).toContain('SMTP_URL must start with smtp:// or smtps://');
    expect(problemsFor({ MAIL_DISABLED: 'true', REQUIRE_VERIFIED_EMAIL: 'true' })[0]).toContain('REQUIRE_VERIFIED_EMAIL');
  });

  it('outside production, no SMTP_URL means .eml files in MAIL_DIR, with a warning', () => {
    const { config, warnings } = loadConfig({ NODE_ENV: 'development', JWT_SECRET: STRONG_SECRET });
    expect(config.mail.transport).toBe('file');
    expect(warnings.join('\n')).toContain('SMTP_URL is not set: mail is NOT sent');
    expect(config.mail.passwordResetTtlSeconds).toBe(30 * 60);
    expect(config.mail.emailVerificationTtlSeconds).toBe(48 * 3600);
  });
});

describe('loadConfig: second factor', () => {
  it('production refuses to start without MFA_ENCRYPTION_KEY while MFA is enabled (the default), and with a malformed one', () => {
    const withoutKey = production();
    delete withoutKey.MFA_ENCRYPTION_KEY;
    expect(problemsFor(withoutKey)).toEqual([expect.stringMatching(/^MFA_ENCRYPTION_KEY is not set.*MFA_ENABLED=true/)]);
    expect(problemsFor(production({ MFA_ENCRYPTION_KEY: 'c2hvcnQ=' }))).toEqual([expect.stringMatching(/^MFA_ENCRYPTION_KEY must be 32 bytes/)]);
    expect(loadConfig({ ...withoutKey, MFA_ENABLED: 'false' }).config.mfa).toMatchObject({ enabled: false, encryptionKey: undefined });
  });

  it('takes the key as base64 or hex, MFA_ISSUER and REQUIRE_MFA_FOR_ADMINS; development falls back to a key and says so', () => {
    const hex = 'ab'.repeat(32);
    const { config } = loadConfig(production({ MFA_ENCRYPTION_KEY: hex, MFA_ISSUER: 'Example', REQUIRE_MFA_FOR_ADMINS: 'true' }));
    expect(config.mfa).toMatchObject({ enabled: true, issuer: 'Example', requireForAdmins: true });
    expect(config.mfa.encryptionKey?.toString('hex')).toBe(hex);
    const development = loadConfig({ NODE_ENV: 'development' });
    expect(development.config.mfa.encryptionKey).toHaveLength(32);
    expect(development.warnings.join('\n')).toMatch(/MFA_ENCRYPTION_KEY/);
  });
});
