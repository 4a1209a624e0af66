import type { TestServer } from './server.js';

export type Row = Record<string, unknown>;

/**
 * Reads the test server's own database through its ORM connection, on a
 * fresh fork so nothing cached by a request can answer instead of the table.
 * Plain SQL with `?` placeholders, valid on SQLite and PostgreSQL alike.
 */
export function selectRows(server: TestServer, sql: string, params: unknown[] = []): Promise<Row[]> {
  return server.running.orm.em.fork().getConnection().execute<Row[]>(sql, params, 'all');
}

/**
 * Changes rows behind the server's back, e.g. to move an expiry into the past.
 * Pass datetimes as `Date`s: the driver stores them as the server would (epoch
 * ms on SQLite, timestamptz on PostgreSQL).
 */
export async function runSql(server: TestServer, sql: string, params: unknown[] = []): Promise<void> {
  await server.running.orm.em.fork().getConnection().execute(sql, params, 'run');
}

/** A whole table as text, for "this secret appears nowhere in it" checks. */
export async function dumpTable(server: TestServer, table: 'audit_events' | 'refresh_tokens' | 'sessions' | 'users'): Promise<string> {
  return JSON.stringify(await selectRows(server, `select * from ${table}`));
}

/**
 * A datetime column as read back raw, as milliseconds: epoch ms (SQLite), or
 * on PostgreSQL a Date or the timestamptz text (`2026-12-26 05:53:30.22+00`;
 * MikroORM's driver leaves timestamps unparsed).
 */
export function datetimeMs(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint' || (typeof value === 'string' && /^\d+$/.test(value))) return Number(value);
  if (typeof value === 'string' && /^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d(:?\d\d)?|Z)$/.test(value)) return Date.parse(value);
  throw new Error(`not a datetime column value: ${String(value)}`);
}
