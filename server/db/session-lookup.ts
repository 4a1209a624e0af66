import pg from 'pg';
import sqlite3 from 'sqlite3';
import { roleValues, type components } from '../../generated/openapi.js';
import type { DatabaseConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { EntityManager } from './orm.js';

type UserView = components['schemas']['User'];

/**
 * The one query every authenticated request runs: is this session of this user still standing, and who is the
 * user. It is a prepared statement on a connection of its own rather than a query through MikroORM, because
 * through the ORM it was half of a `GET /me`'s CPU (MikroORM's and knex's query building, their pool, the request
 * context's bookkeeping), and on SQLite it queued behind every write on the ORM's single connection
 * (bench/FINDINGS.md, "Second pass"). Writes all stay in the ORM; this only reads
 * what they committed, so a logout is seen by the very next request.
 */
export interface SessionLookup {
  /** The session's user and its hard expiry, or undefined when the session is revoked or unknown. */
  find(sessionId: string, userId: number): Promise<SessionOwner | undefined>;
  close(): Promise<void>;
}

export interface SessionOwner {
  user: UserView;
  /** An unreadable value is an Invalid Date, which compares as already past. */
  absoluteExpiresAt: Date;
}

/** One driver's connection and statement; its rows are raw (see `toSessionOwner`). */
interface RowSource {
  findRow(sessionId: string, userId: number): Promise<unknown>;
  close(): Promise<void>;
}

/** With `?` placeholders for SQLite and knex; numbered (`$1`, `$2`) for PostgreSQL below. */
const FIND_SESSION_SQL =
  'select u.id, u.email, u.full_name, u.role, u.is_active, u.created_at, u.email_verified_at, s.absolute_expires_at ' +
  'from sessions s join users u on u.id = s.user_id where s.id = ? and s.user_id = ? and s.revoked_at is null';

/** PostgreSQL connections this instance adds for the lookup, beside the ORM's own pool. */
const POSTGRES_POOL_SIZE = 4;

export async function openSessionLookup(database: DatabaseConfig, em: EntityManager, logger: Logger): Promise<SessionLookup> {
  const source = await openRowSource(database, em, logger);
  return {
    find: async (sessionId, userId) => toSessionOwner(await source.findRow(sessionId, userId)),
    close: () => source.close(),
  };
}

async function openRowSource(database: DatabaseConfig, em: EntityManager, logger: Logger): Promise<RowSource> {
  if (database.kind === 'postgresql') return postgresRows(database.url, logger);
  // An in-memory database exists only on the ORM's own connection; no second connection can see it.
  if (database.path === ':memory:') return ormRows(em);
  return sqliteRows(database.path);
}

function postgresRows(url: string, logger: Logger): RowSource {
  const pool = new pg.Pool({ connectionString: url, max: POSTGRES_POOL_SIZE });
  // An idle connection that the server drops (a restart, a failover) would otherwise be an unhandled 'error'
  // event and end the process; the pool opens a new one for the next query.
  pool.on('error', (error) => logger.warn({ err: error }, 'session lookup: an idle PostgreSQL connection failed'));
  // Named: each connection parses and plans it once, then only binds the two values.
  let n = 0;
  const statement = { name: 'authapi_find_session', text: FIND_SESSION_SQL.replace(/\?/g, () => `$${++n}`) };
  return {
    async findRow(sessionId, userId) {
      const result = await pool.query({ ...statement, values: [sessionId, userId] });
      return result.rows[0];
    },
    close: () => pool.end(),
  };
}

async function sqliteRows(path: string): Promise<RowSource> {
  // Read-only: this connection can never write, so it never takes the write lock the ORM's connection needs. In
  // WAL mode each statement reads the latest commit, without waiting for a writer.
  const db = await new Promise<sqlite3.Database>((resolve, reject) => {
    const opened: sqlite3.Database = new sqlite3.Database(path, sqlite3.OPEN_READONLY, (error) => (error ? reject(error) : resolve(opened)));
  });
  db.configure('busyTimeout', 5000);
  const statement = await new Promise<sqlite3.Statement>((resolve, reject) => {
    const prepared: sqlite3.Statement = db.prepare(FIND_SESSION_SQL, (error) => (error ? reject(error) : resolve(prepared)));
  });
  return {
    findRow: (sessionId, userId) =>
      new Promise((resolve, reject) => statement.get([sessionId, userId], (error: Error | null, row: unknown) => (error ? reject(error) : resolve(row)))),
    close: () =>
      new Promise<void>((resolve, reject) => statement.finalize(() => db.close((error) => (error ? reject(error) : resolve())))),
  };
}

function ormRows(em: EntityManager): RowSource {
  return {
    findRow: (sessionId, userId) => em.getConnection().execute(FIND_SESSION_SQL, [sessionId, userId], 'get'),
    close: async () => {},
  };
}

interface SessionOwnerRow {
  id: number | string;
  email: string;
  full_name: string | null;
  role: string;
  is_active: unknown;
  created_at: unknown;
  email_verified_at: unknown;
  absolute_expires_at: unknown;
}

function toSessionOwner(row: unknown): SessionOwner | undefined {
  if (!isSessionOwnerRow(row)) return undefined;
  return {
    user: {
      id: Number(row.id),
      email: row.email,
      full_name: row.full_name ?? null,
      // One of the contract's roles; only our own writers fill the column, and anything else gets the lesser one.
      role: roleValues.find((role) => role === row.role) ?? 'member',
      is_active: toBoolean(row.is_active),
      created_at: toDate(row.created_at).toISOString(),
      email_verified: row.email_verified_at != null,
      email_verified_at: row.email_verified_at == null ? null : toDate(row.email_verified_at).toISOString(),
    },
    absoluteExpiresAt: toDate(row.absolute_expires_at),
  };
}

function isSessionOwnerRow(row: unknown): row is SessionOwnerRow {
  return typeof row === 'object' && row !== null && 'id' in row && 'email' in row && typeof row.email === 'string';
}

/** SQLite keeps booleans as 0/1 and datetimes as epoch milliseconds; PostgreSQL returns native values. */
function toBoolean(value: unknown): boolean {
  return value === true || value === 1 || value === '1' || value === 't';
}

function toDate(value: unknown): Date {
  if (value instanceof Date) return value;
  if (typeof value === 'number' || typeof value === 'string') return new Date(/^\d+$/.test(String(value)) ? Number(value) : value);
  return new Date(NaN);
}
