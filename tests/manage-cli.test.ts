import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginTokens, meStatus } from './helpers/auth-flows.js';
import { selectRows } from './helpers/db.js';
import { runManage, type ManageResult } from './helpers/manage.js';
import { bearer, registerAndLogin, startTestServer, uniqueEmail, type TestServer } from './helpers/server.js';

const EXIT = { ok: 0, error: 1, usage: 2 } as const;
const STACK_FRAME = /^\s+at /m;
const USAGE = /^usage: npm run --silent manage -- set-role <email> <member\|admin>$/m;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

function setRole(email: string, role: string): Promise<ManageResult> {
  return runManage(server, ['set-role', email, role]);
}

async function roleOf(accessToken: string): Promise<string | undefined> {
  const { data } = await server.client.GET('/api/v1/users/me', { headers: bearer(accessToken) });
  return data?.role;
}

async function adminApiStatus(accessToken: string): Promise<number> {
  const { response } = await server.client.GET('/api/v1/admin/users', { headers: bearer(accessToken) });
  return response.status;
}

// Each run is a fresh Node process that loads the ORM: about a second of CPU, far more on a busy machine.
describe('manage set-role', { timeout: 90_000 }, () => {
  it('makes an existing account admin while the server runs; its current token reaches the admin API at once', async () => {
    const { email, tokens } = await registerAndLogin(server);
    expect(await adminApiStatus(tokens.access_token)).toBe(403);
    const result = await setRole(email, 'admin');
    expect(result, result.stderr).toEqual({ code: EXIT.ok, stdout: `${email} is now admin.\n`, stderr: '' });
    expect(await roleOf(tokens.access_token)).toBe('admin');
    expect(await adminApiStatus(tokens.access_token)).toBe(200);
  });

  it('matches the email as the API does: case-insensitively', async () => {
    const { email, tokens } = await registerAndLogin(server);
    const result = await setRole(email.toUpperCase(), 'admin');
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(await roleOf(tokens.access_token)).toBe('admin');
  });

  it('demoting to member ends the sessions; a fresh login is a member; each change is audited', async () => {
    const { email, password, tokens, user } = await registerAndLogin(server);
    expect((await setRole(email, 'admin')).code).toBe(EXIT.ok);
    const result = await setRole(email, 'member');
    expect(result, result.stderr).toEqual({ code: EXIT.ok, stdout: `${email} is now member.\n`, stderr: '' });
    expect(await meStatus(server, tokens.access_token)).toBe(401);
    const fresh = await loginTokens(server, email, password);
    expect(await roleOf(fresh.access_token)).toBe('member');
    expect(await adminApiStatus(fresh.access_token)).toBe(403);

    const rows = await selectRows(server, "select * from audit_events where user_id = ? and event = 'role_changed' order by id", [user.id]);
    const details = rows.map((row): unknown => (typeof row.details === 'string' ? JSON.parse(row.details) : row.details));
    expect(details).toEqual([
      { from: 'member', to: 'admin' },
      { from: 'admin', to: 'member' },
    ]);
    expect(rows.map((row) => row.user_agent)).toEqual(['npm run manage', 'npm run manage']);
  });

  it('setting the role an account already has succeeds and logs nobody out', async () => {
    const { email, tokens } = await registerAndLogin(server);
    const result = await setRole(email, 'member');
    expect(result.code, result.stderr).toBe(EXIT.ok);
    expect(await meStatus(server, tokens.access_token)).toBe(200);
  });

  it('an unknown email exits 1 with a clear message on stderr and no stack trace', async () => {
    const email = uniqueEmail('nobody');
    const result = await setRole(email, 'admin');
    expect(result.code).toBe(EXIT.error);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(email);
    expect(result.stderr).toMatch(/no account/i);
    expect(result.stderr).not.toMatch(STACK_FRAME);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a malformed command exits 2 with the usage line and touches nothing', async () => {
    const { email, tokens } = await registerAndLogin(server);
    const attempts = [[], ['set-role', email, 'root']];
    const results = await Promise.all(attempts.map((args) => runManage(server, args)));
    for (const [i, result] of results.entries()) {
      const args = JSON.stringify(attempts[i]);
      expect(result.code, args).toBe(EXIT.usage);
      expect(result.stdout, args).toBe('');
      expect(result.stderr, args).toMatch(USAGE);
    }
    expect(await roleOf(tokens.access_token)).toBe('member');
  });

  it('a bad DATABASE_URL exits 1 naming the variable, with no stack trace', async () => {
    const result = await runManage(server, ['set-role', uniqueEmail(), 'admin'], { DATABASE_URL: 'mysql://db.example/app' });
    expect(result.code).toBe(EXIT.error);
    expect(result.stderr).toContain('DATABASE_URL');
    expect(result.stderr).not.toMatch(STACK_FRAME);
  });
});

describe('manage set-role keeps an active admin', { timeout: 90_000 }, () => {
  let alone: TestServer;
  beforeAll(async () => {
    alone = await startTestServer();
  });
  afterAll(async () => {
    await alone?.stop();
  });

  it('refuses to demote the last active admin (exit 1, nothing changed), as the admin API does; with a second admin it may', async () => {
    const first = await registerAndLogin(alone, { label: 'admin' });
    expect((await runManage(alone, ['set-role', first.email, 'admin'])).code).toBe(EXIT.ok);
    const refused = await runManage(alone, ['set-role', first.email, 'member']);
    expect(refused.code).toBe(EXIT.error);
    expect(refused.stderr).toMatch(/last active admin/);
    expect(refused.stderr).not.toMatch(STACK_FRAME);
    const { data } = await alone.client.GET('/api/v1/users/me', { headers: bearer(first.token) });
    expect(data?.role).toBe('admin');

    const second = await registerAndLogin(alone, { label: 'admin' });
    expect((await runManage(alone, ['set-role', second.email, 'admin'])).code).toBe(EXIT.ok);
    expect((await runManage(alone, ['set-role', first.email, 'member'])).code).toBe(EXIT.ok);
  });
});
