/**
 * npm run loadtest [-- --duration 60 --connections 256 --bcrypt-rounds 10]
 *
 * Not a benchmark of one operation (that is npm run bench) but a soak of the
 * service as users would load it: 70 % GET /me, 20 % refresh, 10 % login (a
 * fifth of them with an unknown email, answered 401), first against one
 * instance on SQLite, then against two instances on PostgreSQL + Redis
 * (TEST_DATABASE_URL and TEST_REDIS_URL; a fresh database, dropped after).
 * Prints req/s and p50/p99 per operation, every unexpected status, and each
 * server's RSS before and after (flagged when it grew more than 20 %), beside the heap that survived the first and
 * the last full garbage collection of the measured run (servers run with --trace-gc). RSS also grows when V8
 * merely enlarges its heap for a high promotion rate; a leak shows as growth of what survives.
 * Exits 1 on any unexpected status or socket error.
 *
 * Refresh tokens form chains, so a refresh checks out an account no other
 * connection is refreshing; /me shares accounts freely.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { percentile } from './load.js';
import { freePort, killChildrenOnExit, startServer, stop, type RunningServer } from './processes.js';
import { createRedisNamespace, createTestDatabase } from '../tests/helpers/postgres.js';

type Request = NonNullable<Parameters<typeof autocannon>[0]['requests']>[number];
type RequestParams = Omit<Request, 'setupRequest'>;
/** autocannon calls `onResponse` with every answer (bench/autocannon.d.ts declares only what bench/load.ts uses). */
interface ObservedRequest extends Request {
  onResponse(status: number, body: string, context: Record<string, unknown>): void;
}

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '60' },
    connections: { type: 'string', default: '256' },
    'bcrypt-rounds': { type: 'string', default: '10' },
    warmup: { type: 'string', default: '5' },
  },
});
const DURATION_S = Number(flags.duration);
const CONNECTIONS = Number(flags.connections);
const BCRYPT_ROUNDS = flags['bcrypt-rounds'];
const WARMUP_S = Math.min(Number(flags.warmup), DURATION_S);
const ACCOUNTS = Math.max(64, Math.ceil(CONNECTIONS * 0.6));
const PASSWORD = 'load test password, long enough';
const RSS_GROWTH_LIMIT = 0.2;
const ROOT = new URL('..', import.meta.url).pathname;

type Operation = 'me' | 'refresh' | 'login ok' | 'login fail';
const EXPECTED: Record<Operation, number> = { me: 200, refresh: 200, 'login ok': 200, 'login fail': 401 };

interface Account {
  email: string;
  accessToken: string;
  refreshToken: string;
  refreshing: boolean;
}

interface Tally {
  latencies: number[];
  statuses: Map<number, number>;
}

interface PhaseResult {
  unexpected: number;
  socketErrors: number;
}

killChildrenOnExit();
const results: PhaseResult[] = [];
results.push(await phase('1 instance, SQLite', 1, async (dir) => ({ DATABASE_URL: `sqlite:///${join(dir, 'load.db')}` })));
const databaseUrl = process.env.TEST_DATABASE_URL;
const redisUrl = process.env.TEST_REDIS_URL;
if (databaseUrl && redisUrl) {
  const database = await createTestDatabase();
  const redis = createRedisNamespace(redisUrl);
  try {
    results.push(
      await phase('2 instances, PostgreSQL + Redis', 2, async () => ({
        DATABASE_URL: database.url,
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: redis.keyPrefix,
      })),
    );
  } finally {
    await database.drop();
    await redis.clear();
  }
} else {
  console.log('\n(skipped: 2 instances on PostgreSQL + Redis; set TEST_DATABASE_URL and TEST_REDIS_URL)');
}
const failed = results.some((result) => result.unexpected > 0 || result.socketErrors > 0);
process.exit(failed ? 1 : 0);

async function phase(title: string, instances: number, database: (dir: string) => Promise<Record<string, string>>): Promise<PhaseResult> {
  const dir = mkdtempSync(join(tmpdir(), 'authapi-loadtest-'));
  const servers: RunningServer[] = [];
  try {
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      JWT_SECRET: randomBytes(48).toString('base64'),
      MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      BCRYPT_ROUNDS,
      // Every request comes from 127.0.0.1: the per-address limit would otherwise
      // turn the failing logins into 429s for everyone. The per-account limit stays.
      LOGIN_IP_MAX_FAILURES: '100000',
      REGISTER_IP_LIMIT: '1000000',
      // One access-log line per request would make the log pipe the bottleneck.
      LOG_LEVEL: 'warn',
      ...(await database(dir)),
    };
    const ports = await Promise.all(Array.from({ length: instances }, () => freePort()));
    const fullGcs: FullGc[][] = ports.map(() => []);
    servers.push(
      ...(await Promise.all(
        ports.map((port, i) =>
          startServer(`instance ${i + 1}`, process.execPath, ['--trace-gc', join(ROOT, 'dist/server/main.js')], {
            env: { ...env, PORT: String(port) },
            port,
            readyPath: '/readyz',
            timeoutMs: 60_000,
            cwd: dir,
            onTextLine: (line) => recordFullGc(fullGcs[i] ?? [], line),
          }),
        ),
      )),
    );
    const urls = servers.map((server) => server.url);
    const bootRss = servers.map(rssOf);
    const accounts = await seedAccounts(urls);
    await drive(urls, accounts, WARMUP_S);
    const startRss = servers.map(rssOf);
    const measuredFrom = performance.now();
    const { tallies, socketErrors, timeouts, seconds } = await drive(urls, accounts, DURATION_S);
    const endRss = servers.map(rssOf);
    const survivors = fullGcs.map((gcs) => gcs.filter((gc) => gc.at >= measuredFrom).map((gc) => gc.survivedMb));
    return report(title, tallies, { socketErrors, timeouts, seconds, bootRss, startRss, endRss, survivors });
  } finally {
    await Promise.all(servers.map((server) => stop(server.child)));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Registers and logs in the accounts the load uses, a few at a time (bcrypt bounds this). */
async function seedAccounts(urls: string[]): Promise<Account[]> {
  const tag = randomBytes(4).toString('hex');
  const accounts: Account[] = [];
  let next = 0;
  const worker = async () => {
    while (next < ACCOUNTS) {
      const i = next++;
      const url = urls[i % urls.length] ?? '';
      const email = `load-${tag}-${i}@example.com`;
      await post(url, '/api/v1/users/register', { email, password: PASSWORD }, 201);
      const tokens = await post(url, '/api/v1/users/login', { email, password: PASSWORD }, 200);
      accounts.push({ email, accessToken: String(tokens.access_token), refreshToken: String(tokens.refresh_token), refreshing: false });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return accounts;
}

async function post(url: string, path: string, body: unknown, expected: number): Promise<Record<string, unknown>> {
  const response = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await response.text();
  if (response.status !== expected) throw new Error(`seeding: ${path} answered ${response.status}: ${text}`);
  return text ? JSON.parse(text) : {};
}

/** Runs the mix for `seconds` on every URL at once (the connections split between them). */
async function drive(urls: string[], accounts: Account[], seconds: number) {
  const tallies = new Map<Operation, Tally>();
  const tally = (operation: Operation) => {
    let found = tallies.get(operation);
    if (!found) tallies.set(operation, (found = { latencies: [], statuses: new Map() }));
    return found;
  };
  const pick = () => accounts[Math.floor(Math.random() * accounts.length)] ?? accounts[0];
  // What each connection's request in flight is; autocannon hands the same context object to both callbacks.
  const inFlight = new WeakMap<object, { operation: Operation; started: number; account?: Account }>();
  const request: ObservedRequest = {
    setupRequest(base, context) {
      const roll = Math.random();
      const started = performance.now();
      if (roll < 0.2) {
        const account = accounts.find((candidate) => !candidate.refreshing);
        if (account) {
          account.refreshing = true;
          inFlight.set(context, { operation: 'refresh', started, account });
          return json(base, '/api/v1/users/refresh', { refresh_token: account.refreshToken });
        }
      }
      if (roll >= 0.9) {
        const fails = roll >= 0.98;
        inFlight.set(context, { operation: fails ? 'login fail' : 'login ok', started });
        const email = fails ? `nobody-${randomBytes(6).toString('hex')}@example.com` : (pick()?.email ?? '');
        return json(base, '/api/v1/users/login', { email, password: PASSWORD });
      }
      inFlight.set(context, { operation: 'me', started });
      return { ...base, method: 'GET', path: '/api/v1/users/me', headers: { authorization: `Bearer ${pick()?.accessToken ?? ''}` }, body: undefined };
    },
    onResponse(status, body, context) {
      const sent = inFlight.get(context);
      if (!sent) return;
      const entry = tally(sent.operation);
      entry.latencies.push(performance.now() - sent.started);
      entry.statuses.set(status, (entry.statuses.get(status) ?? 0) + 1);
      if (sent.account) {
        const tokens = status === 200 ? tokenPair(body) : undefined;
        if (tokens) Object.assign(sent.account, tokens);
        sent.account.refreshing = false;
      }
    },
  };
  const started = performance.now();
  const runs = urls.map((url, i) =>
    autocannon({
      url,
      connections: Math.floor(CONNECTIONS / urls.length) + (i < CONNECTIONS % urls.length ? 1 : 0),
      duration: seconds,
      timeout: 30,
      requests: [request],
    }),
  );
  const finished = await Promise.all(runs);
  return {
    tallies,
    seconds: (performance.now() - started) / 1000,
    socketErrors: finished.reduce((sum, result) => sum + result.errors - result.timeouts, 0),
    timeouts: finished.reduce((sum, result) => sum + result.timeouts, 0),
  };
}

function tokenPair(body: string): { accessToken: string; refreshToken: string } | undefined {
  const parsed: unknown = JSON.parse(body);
  if (typeof parsed !== 'object' || parsed === null || !('access_token' in parsed) || !('refresh_token' in parsed)) return undefined;
  return { accessToken: String(parsed.access_token), refreshToken: String(parsed.refresh_token) };
}

function json(base: RequestParams, path: string, body: unknown): RequestParams {
  return { ...base, method: 'POST', path, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

function report(
  title: string,
  tallies: Map<Operation, Tally>,
  run: { socketErrors: number; timeouts: number; seconds: number; bootRss: number[]; startRss: number[]; endRss: number[]; survivors: number[][] },
): PhaseResult {
  console.log(`\n== ${title}: ${CONNECTIONS} connections, ${DURATION_S} s (after ${WARMUP_S} s warm-up), bcrypt cost ${BCRYPT_ROUNDS}`);
  console.log(pad(['operation', 'share', 'req/s', 'p50 ms', 'p99 ms', 'statuses']));
  const total = [...tallies.values()].reduce((sum, entry) => sum + entry.latencies.length, 0);
  let unexpected = 0;
  for (const operation of ['me', 'refresh', 'login ok', 'login fail'] as const) {
    const entry = tallies.get(operation);
    if (!entry) continue;
    const sorted = [...entry.latencies].sort((a, b) => a - b);
    const statuses = [...entry.statuses].map(([status, count]) => `${status}×${count}`).join(' ');
    unexpected += [...entry.statuses].filter(([status]) => status !== EXPECTED[operation]).reduce((sum, [, count]) => sum + count, 0);
    console.log(
      pad([
        operation,
        `${((100 * sorted.length) / total).toFixed(1)} %`,
        (sorted.length / run.seconds).toFixed(0),
        percentile(sorted, 50).toFixed(1),
        percentile(sorted, 99).toFixed(1),
        statuses,
      ]),
    );
  }
  console.log(pad(['all', '100 %', (total / run.seconds).toFixed(0), '', '', '']));
  console.log(`unexpected statuses: ${unexpected}; socket errors: ${run.socketErrors}; timeouts: ${run.timeouts}`);
  run.startRss.forEach((start, i) => {
    const end = run.endRss[i] ?? 0;
    const growth = (end - start) / start;
    const flag = growth > RSS_GROWTH_LIMIT ? `  << grew more than ${RSS_GROWTH_LIMIT * 100} %` : '';
    console.log(
      `instance ${i + 1} RSS: ${mb(run.bootRss[i] ?? 0)} idle, ${mb(start)} at start (after warm-up), ${mb(end)} at end (${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)} %)${flag}`,
    );
    const survived = run.survivors[i] ?? [];
    const [first, last] = [survived[0], survived.at(-1)];
    console.log(
      first === undefined || last === undefined
        ? `instance ${i + 1} heap: no full GC during the run`
        : `instance ${i + 1} heap surviving a full GC: ${first.toFixed(1)} MB at the first, ${last.toFixed(1)} MB at the last of ${survived.length} (${last >= first ? '+' : ''}${(((last - first) / first) * 100).toFixed(1)} %)`,
    );
  });
  return { unexpected, socketErrors: run.socketErrors + run.timeouts };
}

interface FullGc {
  at: number;
  /** Heap in use after the collection: what is still reachable. */
  survivedMb: number;
}

/** `[pid:0x…]   12345 ms: Mark-Compact 151.8 (185.2) -> 49.9 (169.0) MB, …` is node's --trace-gc line for a full GC. */
function recordFullGc(gcs: FullGc[], line: string): void {
  const survived = /Mark-Compact(?: \(reduce\))? [\d.]+ \([\d.]+\) -> ([\d.]+) \(/.exec(line)?.[1];
  if (survived !== undefined) gcs.push({ at: performance.now(), survivedMb: Number(survived) });
}

/** Resident set size in bytes, from /proc (Linux). */
function rssOf(server: RunningServer): number {
  const status = readFileSync(`/proc/${server.child.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

function pad(cells: string[]): string {
  const widths = [12, 8, 8, 9, 9, 0];
  return cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join(' ').trimEnd();
}
