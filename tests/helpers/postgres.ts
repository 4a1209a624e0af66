import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';

/**
 * The real services the `postgres` vitest project runs against. CI (.ci/run)
 * sets both; on a laptop without them only the `sqlite` project runs and the
 * PostgreSQL/Redis-only files report themselves as skipped.
 */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL;

/** Which backend this vitest project runs every server on (set per project in vitest.config.ts). */
export type TestBackend = 'sqlite' | 'postgres';
export const TEST_BACKEND: TestBackend = process.env.TEST_BACKEND === 'postgres' ? 'postgres' : 'sqlite';

export interface TestDatabase {
  name: string;
  /** DATABASE_URL for a server: TEST_DATABASE_URL with this database's name. */
  url: string;
  /** Drops the database, ending whatever connections are still open to it. */
  drop(): Promise<void>;
}

/**
 * A fresh, empty database of its own for one server (or for several instances
 * that must share one), so no test ever sees another's rows. The name starts
 * with `authapi_t_` so a leftover from a killed run is easy to recognise.
 */
export async function createTestDatabase(baseUrl = requireEnv('TEST_DATABASE_URL', TEST_DATABASE_URL)): Promise<TestDatabase> {
  const name = `authapi_t_${uniqueSuffix()}`;
  await adminQuery(baseUrl, `create database ${name}`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      await adminQuery(baseUrl, `drop database if exists ${name} with (force)`);
    },
  };
}

export interface TestRedisNamespace {
  url: string;
  /** REDIS_KEY_PREFIX for a server: every key it writes starts with this. */
  keyPrefix: string;
  /** Deletes every key under the prefix. */
  clear(): Promise<void>;
}

/** A key prefix of its own on the shared test Redis, so parallel test files never see each other's counters. */
export function createRedisNamespace(url = requireEnv('TEST_REDIS_URL', TEST_REDIS_URL)): TestRedisNamespace {
  const keyPrefix = `authapi_t_${uniqueSuffix()}:`;
  return { url, keyPrefix, clear: () => deleteKeys(url, keyPrefix) };
}

/** Keys under `prefix`, for tests that check what a server stored in Redis. */
export async function listKeys(url: string, prefix: string): Promise<string[]> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  try {
    const keys: string[] = [];
    for await (const batch of client.scanStream({ match: `${escapeGlob(prefix)}*`, count: 500 })) {
      if (Array.isArray(batch)) keys.push(...batch.map(String));
    }
    return keys;
  } finally {
    client.disconnect();
  }
}

async function deleteKeys(url: string, prefix: string): Promise<void> {
  const keys = await listKeys(url, prefix);
  if (keys.length === 0) return;
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  try {
    await client.del(...keys);
  } finally {
    client.disconnect();
  }
}

/** One statement (`$1` placeholders) on a short-lived connection of its own; CREATE/DROP DATABASE cannot run in a transaction. */
export async function adminQuery(url: string, sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}

function uniqueSuffix(): string {
  return `${Date.now().toString(36)}_${randomBytes(5).toString('hex')}`;
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

function requireEnv(name: string, value: string | undefined): string {
  if (!value) throw new Error(`${name} is not set: the postgres test project needs PostgreSQL and Redis (see .ci/run)`);
  return value;
}
