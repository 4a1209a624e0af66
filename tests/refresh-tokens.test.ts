import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeAccessToken,
  meStatus,
  OPAQUE_256_BITS,
  refresh,
  refreshOutcome,
  sessionIdOf,
  sha256Hex,
} from './helpers/auth-flows.js';
import { testClock } from './helpers/clock.js';
import { dumpTable, datetimeMs, runSql, selectRows } from './helpers/db.js';
import { asTokenPair, bearer, registerAndLogin, startTestServer, type TestServer } from './helpers/server.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function sessionRow(server: TestServer, sessionId: string) {
  const [row] = await selectRows(server, 'select * from sessions where id = ?', [sessionId]);
  if (!row) throw new Error(`no session ${sessionId}`);
  return row;
}

async function refreshedPair(server: TestServer, refreshToken: string) {
  const { data, response } = await refresh(server, refreshToken);
  if (!data) throw new Error(`refresh failed: ${response.status}`);
  return asTokenPair(data);
}

describe('refresh tokens (default grace window)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('login issues an opaque 256-bit refresh token and an at+jwt access token naming its session', async () => {
    const { tokens } = await registerAndLogin(server);
    expect(tokens.refresh_token).toMatch(OPAQUE_256_BITS);
    expect(tokens.refresh_token).not.toBe(tokens.access_token);
    const { header, payload } = decodeAccessToken(tokens.access_token);
    expect(header.typ).toBe('at+jwt');
    expect(payload.sid).toMatch(UUID);
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.expires_in).toBe(server.config.jwt.accessTokenTtlSeconds);
  });

  it('the database keeps only the SHA-256 of a refresh token, never its text', async () => {
    const { tokens } = await registerAndLogin(server);
    const sessionId = sessionIdOf(tokens.access_token);
    const rows = await selectRows(server, 'select * from refresh_tokens where session_id = ?', [sessionId]);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.token_hash).toBe(sha256Hex(tokens.refresh_token));
    for (const table of ['refresh_tokens', 'sessions', 'audit_events', 'users'] as const) {
      expect(await dumpTable(server, table), table).not.toContain(tokens.refresh_token);
    }
  });

  it('refresh returns a new pair with a different refresh token, and both new tokens work', async () => {
    const { tokens } = await registerAndLogin(server);
    const { data, response } = await refresh(server, tokens.refresh_token);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    if (!data) throw new Error('no tokens');
    expect(data.token_type).toBe('bearer');
    expect(data.refresh_token).toMatch(OPAQUE_256_BITS);
    expect(data.refresh_token).not.toBe(tokens.refresh_token);
    expect(data.access_token).not.toBe(tokens.access_token);
    expect(sessionIdOf(data.access_token)).toBe(sessionIdOf(tokens.access_token));
    expect(await meStatus(server, data.access_token)).toBe(200);
    expect((await refreshOutcome(server, data.refresh_token)).status).toBe(200);
  });

  it('a spent token re-presented within the grace window gets the same successor', async () => {
    const { tokens } = await registerAndLogin(server);
    const first = await refreshedPair(server, tokens.refresh_token);
    const again = await refresh(server, tokens.refresh_token);
    expect(again.response.status).toBe(200);
    expect(again.data?.refresh_token).toBe(first.refresh_token);
    // Still the one successor: the session has not forked into two live tokens.
    const sessionId = sessionIdOf(tokens.access_token);
    const unspent = await selectRows(server, 'select id from refresh_tokens where session_id = ? and spent_at is null', [sessionId]);
    expect(unspent).toHaveLength(1);
  });

  it('ten parallel refreshes with one token all succeed with one successor and leave one unspent child', async () => {
    const { tokens } = await registerAndLogin(server);
    const results = await Promise.all(Array.from({ length: 10 }, () => refresh(server, tokens.refresh_token)));
    expect(results.map((result) => result.response.status)).toEqual(Array(10).fill(200));
    const successors = new Set(results.map((result) => result.data?.refresh_token));
    expect(successors.size).toBe(1);
    const [successor] = successors;
    expect(successor).toMatch(OPAQUE_256_BITS);

    const sessionId = sessionIdOf(tokens.access_token);
    const rows = await selectRows(server, 'select token_hash, spent_at from refresh_tokens where session_id = ?', [sessionId]);
    expect(rows).toHaveLength(2);
    const unspent = rows.filter((row) => row.spent_at === null);
    expect(unspent).toHaveLength(1);
    expect(unspent[0]?.token_hash).toBe(sha256Hex(successor ?? ''));
    expect(await dumpTable(server, 'refresh_tokens')).not.toContain(successor);
  });

  it('an access token is refused as a refresh token (invalid_refresh_token)', async () => {
    const { tokens } = await registerAndLogin(server);
    expect(tokens.access_token.length).toBeLessThanOrEqual(512);
    expect(await refreshOutcome(server, tokens.access_token)).toEqual({ status: 401, code: 'invalid_refresh_token' });
  });

  it('an unknown refresh token is refused (invalid_refresh_token), an empty one is a validation error', async () => {
    expect(await refreshOutcome(server, 'A'.repeat(43))).toEqual({ status: 401, code: 'invalid_refresh_token' });
    expect(await refreshOutcome(server, '')).toEqual({ status: 422, code: 'validation_failed' });
  });

  it('a refresh token is refused as a bearer access token (invalid_token)', async () => {
    const { tokens } = await registerAndLogin(server);
    const { error, response } = await server.client.GET('/api/v1/users/me', { headers: bearer(tokens.refresh_token) });
    expect(response.status).toBe(401);
    expect(error?.code).toBe('invalid_token');
  });

  it('rotation pushes the idle expiry forward but never the absolute one', async () => {
    const { tokens } = await registerAndLogin(server);
    const sessionId = sessionIdOf(tokens.access_token);
    const before = await sessionRow(server, sessionId);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const next = await refreshedPair(server, tokens.refresh_token);
    await refreshedPair(server, next.refresh_token);
    const after = await sessionRow(server, sessionId);
    expect(datetimeMs(after.absolute_expires_at)).toBe(datetimeMs(before.absolute_expires_at));
    expect(datetimeMs(after.idle_expires_at)).toBeGreaterThan(datetimeMs(before.idle_expires_at));
    expect(datetimeMs(after.idle_expires_at)).toBeLessThanOrEqual(datetimeMs(after.absolute_expires_at));
  });

  it('a session past its idle expiry cannot be refreshed', async () => {
    const { tokens } = await registerAndLogin(server);
    const sessionId = sessionIdOf(tokens.access_token);
    await runSql(server, 'update sessions set idle_expires_at = ? where id = ?', [new Date(Date.now() - 1000), sessionId]);
    expect(await refreshOutcome(server, tokens.refresh_token)).toEqual({ status: 401, code: 'invalid_refresh_token' });
  });

  it('a session past its absolute expiry refuses its refresh token and its access token', async () => {
    const { tokens } = await registerAndLogin(server);
    const sessionId = sessionIdOf(tokens.access_token);
    expect(await meStatus(server, tokens.access_token)).toBe(200);
    await runSql(server, 'update sessions set absolute_expires_at = ? where id = ?', [new Date(Date.now() - 1000), sessionId]);
    expect(await refreshOutcome(server, tokens.refresh_token)).toEqual({ status: 401, code: 'invalid_refresh_token' });
    expect(await meStatus(server, tokens.access_token)).toBe(401);
  });
});

describe('refresh token reuse (REFRESH_REUSE_GRACE_SECONDS=1)', () => {
  let server: TestServer;
  const clock = testClock();
  beforeAll(async () => {
    server = await startTestServer({ REFRESH_REUSE_GRACE_SECONDS: '1' }, { clock });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('a spent token re-presented after the grace window is reuse: 401 and the whole session ends', async () => {
    const { email, password, tokens } = await registerAndLogin(server);
    const other = await server.client.POST('/api/v1/users/login', { body: { email, password } });
    if (!other.data) throw new Error('second login failed');
    const latest = await refreshedPair(server, tokens.refresh_token);
    expect(await meStatus(server, latest.access_token)).toBe(200);

    clock.advance(1500);
    expect(await refreshOutcome(server, tokens.refresh_token)).toEqual({ status: 401, code: 'refresh_token_reused' });

    // Whoever holds the successor (the thief or the user) is out too.
    expect(await meStatus(server, latest.access_token)).toBe(401);
    expect(await meStatus(server, tokens.access_token)).toBe(401);
    expect(await refreshOutcome(server, latest.refresh_token)).toEqual({ status: 401, code: 'invalid_refresh_token' });
    const session = await sessionRow(server, sessionIdOf(tokens.access_token));
    expect(session.revoked_at).not.toBeNull();
    expect(session.revoked_reason).toBe('refresh_token_reused');

    // Only that session: the account's other login is untouched.
    expect(await meStatus(server, other.data.access_token)).toBe(200);
    expect((await refreshOutcome(server, other.data.refresh_token)).status).toBe(200);
  });
});
