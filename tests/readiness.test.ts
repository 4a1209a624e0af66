import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, send } from './helpers/http.js';
import { runSql, selectRows, type Row } from './helpers/db.js';
import { startTestServer, type TestServer } from './helpers/server.js';

describe('GET /readyz', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.stop());

  it('is 200 ready when the database answers, Redis answers (or is not configured) and no migration is pending', async () => {
    const response = await send(server.url, '/readyz');
    expect(response.status, response.text).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    // On SQLite the throttle counters are in-process; on PostgreSQL the test server always has Redis.
    const redis = server.backend === 'postgres' ? 'ok' : 'disabled';
    expect(response.body).toEqual({ status: 'ready', checks: { database: 'ok', redis, migrations: 'ok' } });
  });

  it('needs no token', async () => {
    const response = await send(server.url, '/readyz', { headers: { Authorization: 'Bearer not-a-token' } });
    expect(response.status).toBe(200);
  });

  it('is 503 not_ready naming the check when a migration is missing from the database, and ready again once it is back', async () => {
    const [last] = await listMigrations(server);
    if (!last) throw new Error('no migration recorded');
    await runSql(server, 'delete from mikro_orm_migrations where name = ?', [last.name]);
    try {
      const response = await send(server.url, '/readyz');
      const problem = expectProblem(response, 503, 'not_ready');
      expect(response.body).toMatchObject({ checks: { database: 'ok', migrations: 'pending' } });
      expect(problem.detail).toContain('migrations pending');
      expect(response.headers.get('cache-control')).toBe('no-store');
    } finally {
      await runSql(server, 'insert into mikro_orm_migrations (name, executed_at) values (?, ?)', [last.name, new Date()]);
    }
    expect((await send(server.url, '/readyz')).status).toBe(200);
  });
});

describe('GET /readyz without a database', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.stop());

  it('is 503 with database unavailable (migrations unknown), while /healthz, which does no I/O, stays 200', async () => {
    // Closing the pool is what an unreachable database looks like from inside: every query fails.
    await server.running.orm.close(true);
    const response = await send(server.url, '/readyz');
    expectProblem(response, 503, 'not_ready');
    expect(response.body).toMatchObject({ checks: { database: 'unavailable', migrations: 'unknown' } });
    expect((await send(server.url, '/healthz')).status).toBe(200);
  });
});

function listMigrations(server: TestServer): Promise<Row[]> {
  return selectRows(server, 'select name from mikro_orm_migrations order by id desc');
}
