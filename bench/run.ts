/**
 * `npm run bench`: starts the real server (fresh SQLite file, production settings) and a bare node:http baseline as
 * child processes, loads each scenario after a warm-up, prints one table with PASS/MISS per target, then runs the
 * CLI's bench (bench/cli.ts) if it exists. Exits 1 only when something fails to run, never for a missed target.
 *
 *   npm run bench -- --duration 10 --connections 32 [--tool wrk|autocannon] [--only me,login]
 *
 * The PostgreSQL column (PostgreSQL + Redis, as many instances would run; plus a second instance on the same
 * database) runs when TEST_DATABASE_URL and TEST_REDIS_URL are set, as .ci/run sets them, or --postgres-url and
 * --redis-url are given; each run gets a fresh database and Redis key prefix, dropped at the end.
 *
 * More options for experiments: --warmup <s>, --bcrypt-connections <n>, --root <dir> (a project copy whose
 * dist/server/main.js to run), --server-env KEY=VALUE (repeatable), --cpu-prof-dir <dir>, --no-cli.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import bcrypt from 'bcrypt';
import { createRedisNamespace, createTestDatabase } from '../tests/helpers/postgres.js';
import { describeCpuSplit, measureCpuSplit } from './cpu-split.js';
import { signHs256 } from './hs256.js';
import { defaultTool, runLoad, type LoadResult, type LoadSpec, type Tool } from './load.js';
import { freePort, killAll, killChildrenOnExit, launch, startServer, stop, type RunningServer } from './processes.js';
import { renderTable, SCENARIOS, type Row, type ScenarioId } from './report.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BCRYPT_ROUNDS = 12;
/** /me while logins run: a steady trickle (connections × rate), so its latency shows interference, not its own queue. */
const PACED = { connections: 8, ratePerConnection: 25 };
const PASSWORD = 'correct horse battery staple';

export interface BenchOptions {
  durationSec: number;
  warmupSec: number;
  connections: number;
  bcryptConnections: number;
  tool: Tool;
  root: string;
  only: Set<ScenarioId>;
  serverEnv: Record<string, string>;
  cpuProfDir?: string;
  secret: string;
  postgresUrl?: string;
  redisUrl?: string;
}

function parseOptions(): BenchOptions & { cli: boolean } {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      connections: { type: 'string', default: '32' },
      'bcrypt-connections': { type: 'string', default: String(availableParallelism() * 4) },
      tool: { type: 'string', default: defaultTool() },
      root: { type: 'string', default: repoRoot },
      only: { type: 'string' },
      'server-env': { type: 'string', multiple: true, default: [] },
      'cpu-prof-dir': { type: 'string' },
      'no-cli': { type: 'boolean', default: false },
      'postgres-url': { type: 'string', default: process.env.TEST_DATABASE_URL },
      'redis-url': { type: 'string', default: process.env.TEST_REDIS_URL },
    },
  });
  const positive = (name: string, text: string) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1) throw new UsageError(`--${name} must be a whole number ≥ 1 (got "${text}")`);
    return value;
  };
  const tool = values.tool;
  if (tool !== 'wrk' && tool !== 'autocannon') throw new UsageError(`--tool must be wrk or autocannon (got "${tool}")`);
  const known = Object.keys(SCENARIOS);
  const only = (values.only ?? known.join(',')).split(',').map((id) => id.trim());
  const unknown = only.filter((id) => !known.includes(id));
  if (unknown.length > 0) throw new UsageError(`--only takes ${known.join(', ')} (got ${unknown.join(', ')})`);
  const serverEnv: Record<string, string> = {};
  for (const pair of values['server-env']) {
    const at = pair.indexOf('=');
    if (at < 1) throw new UsageError(`--server-env takes KEY=VALUE (got "${pair}")`);
    serverEnv[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return {
    durationSec: positive('duration', values.duration),
    warmupSec: Number(values.warmup) >= 0 ? Number(values.warmup) : 2,
    connections: positive('connections', values.connections),
    bcryptConnections: positive('bcrypt-connections', values['bcrypt-connections']),
    tool,
    root: resolve(values.root),
    only: new Set(only.filter((id): id is ScenarioId => id in SCENARIOS)),
    serverEnv,
    cpuProfDir: values['cpu-prof-dir'] === undefined ? undefined : resolve(values['cpu-prof-dir']),
    secret: randomBytes(48).toString('base64'),
    postgresUrl: values['postgres-url'] || undefined,
    redisUrl: values['redis-url'] || undefined,
    cli: !values['no-cli'],
  };
}

class UsageError extends Error {}

/** Time of one bcrypt hash at `rounds`, median of a few, on this machine with nothing else running. */
async function measureBcrypt(rounds: number): Promise<number> {
  await bcrypt.hash('warm-up', rounds);
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    await bcrypt.hash(`password-${i}`, rounds);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? 0;
}

/** Warms up with the same load, then measures. */
function measure(options: BenchOptions, spec: Omit<LoadSpec, 'durationSec'>, tool = options.tool): Promise<LoadResult> {
  return runLoad(tool, { ...spec, durationSec: options.durationSec }, options.warmupSec);
}

/**
 * Loads one or more servers at once (warm-up first, then the measured window), adding up their answers, and
 * notes where the machine's cores went meanwhile. Latency percentiles are the worse of the servers'.
 */
async function measureAcross(options: BenchOptions, specs: Omit<LoadSpec, 'durationSec'>[], serverPids: number[]): Promise<{ result: LoadResult; note: string }> {
  if (options.warmupSec > 0) await Promise.all(specs.map((spec) => runLoad(options.tool, { ...spec, durationSec: options.warmupSec })));
  const { value: results, split } = await measureCpuSplit(serverPids, () =>
    Promise.all(specs.map((spec) => runLoad(options.tool, { ...spec, serverPid: undefined, durationSec: options.durationSec }))),
  );
  const total = results.reduce((sum, one) => sum + one.total, 0);
  const result: LoadResult = {
    rps: results.reduce((sum, one) => sum + one.rps, 0),
    p50Ms: Math.max(...results.map((one) => one.p50Ms)),
    p99Ms: Math.max(...results.map((one) => one.p99Ms)),
    errors: results.reduce((sum, one) => sum + one.errors, 0),
    total,
    cpuMsPerRequest: split && total > 0 ? (split.servers * options.durationSec * 1000) / total : undefined,
  };
  return { result, note: describeCpuSplit(split) };
}

/**
 * Waits until the server answers /me quickly again. A stopped load generator abandons its in-flight logins, but
 * the server still runs their hashes, and they would slow whatever is measured next.
 */
async function settle(meUrl: string, token: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let fast = 0;
  while (fast < 3 && Date.now() < deadline) {
    const started = performance.now();
    const response = await fetch(meUrl, { headers: { Authorization: `Bearer ${token}` } });
    await response.arrayBuffer();
    fast = performance.now() - started < 50 ? fast + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function loadNote(): string {
  return `load avg ${loadavg()[0]?.toFixed(1)}`;
}

async function startRealServer(label: string, env: NodeJS.ProcessEnv, options: BenchOptions): Promise<RunningServer> {
  const port = await freePort();
  const profile = options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] : [];
  return startServer(label, process.execPath, [...profile, join(options.root, 'dist/server/main.js')], {
    cwd: options.root,
    port,
    readyPath: '/healthz',
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      JWT_SECRET: options.secret,
      MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      BCRYPT_ROUNDS: String(BCRYPT_ROUNDS),
      // The register scenario sends thousands of registrations from 127.0.0.1.
      REGISTER_IP_LIMIT: '1000000',
      LOG_LEVEL: 'warn',
      ...env,
      ...options.serverEnv,
    },
  });
}

async function post(url: string, body: object): Promise<{ status: number; json: unknown }> {
  const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, json };
}

/** Registers and logs in one user; the bench's /me requests carry its token. */
async function signUp(url: string): Promise<{ email: string; token: string }> {
  const email = `bench-${randomBytes(6).toString('hex')}@example.com`;
  const registered = await post(`${url}/api/v1/users/register`, { email, password: PASSWORD, full_name: 'Bench User' });
  if (registered.status !== 201) throw new Error(`register answered ${registered.status}: ${JSON.stringify(registered.json)}`);
  const login = await post(`${url}/api/v1/users/login`, { email, password: PASSWORD });
  const token = typeof login.json === 'object' && login.json !== null && 'access_token' in login.json ? login.json.access_token : undefined;
  if (login.status !== 200 || typeof token !== 'string') throw new Error(`login answered ${login.status}: ${JSON.stringify(login.json)}`);
  return { email, token };
}

/**
 * Every scenario against one server configuration, e.g. `benchServer('sqlite', { DATABASE_URL })`; a
 * PostgreSQL column is one more call with its DATABASE_URL.
 */
export async function benchServer(label: string, env: NodeJS.ProcessEnv, options: BenchOptions, { twoInstances = false } = {}): Promise<Row[]> {
  const server = await startRealServer(label, env, options);
  try {
    const { url } = server;
    const { email, token } = await signUp(url);
    const json = { 'Content-Type': 'application/json' };
    const me: Omit<LoadSpec, 'durationSec'> = {
      url: `${url}/api/v1/users/me`,
      method: 'GET',
      headers: { Authorization: `Bearer ${token}` },
      connections: options.connections,
      serverPid: server.child.pid,
    };
    const paced = { ...me, ...PACED };
    const login: Omit<LoadSpec, 'durationSec'> = {
      url: `${url}/api/v1/users/login`,
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email, password: PASSWORD }),
      connections: options.bcryptConnections,
      serverPid: server.child.pid,
    };
    const register: Omit<LoadSpec, 'durationSec'> = {
      url: `${url}/api/v1/users/register`,
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email: 'load-{n}@example.com', password: PASSWORD }),
      connections: options.bcryptConnections,
      serverPid: server.child.pid,
    };

    const rows: Row[] = [];
    const wanted = (id: ScenarioId) => options.only.has(id);
    const progress = (id: ScenarioId) => console.error(`  ${label}: ${SCENARIOS[id].title}…`);
    const scenario = async (id: ScenarioId, run: () => Promise<{ result: LoadResult; note?: string }>) => {
      if (!wanted(id)) return;
      progress(id);
      await settle(me.url, token);
      const before = loadNote();
      const { result, note } = await run();
      rows.push({ scenario: id, result, note: [note, before].filter(Boolean).join('; ') });
    };
    const pid = server.child.pid ?? 0;
    await scenario('me', () => measureAcross(options, [me], [pid]));
    // The same load on a second server, same database, signing with ES256: its tokens are checked against a public
    // key (once per token text: the verified-token cache still checks exp and the session row on every request).
    await scenario('me-es256', async () => {
      const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
      const keyed = await startRealServer(`${label} ES256`, { ...env, JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: key }, options);
      try {
        const signedUp = await signUp(keyed.url);
        const spec = { ...me, url: `${keyed.url}/api/v1/users/me`, headers: { Authorization: `Bearer ${signedUp.token}` }, serverPid: keyed.child.pid };
        return await measureAcross(options, [spec], [keyed.child.pid ?? 0]);
      } finally {
        await stop(keyed.child);
      }
    });
    if (twoInstances) {
      // The same load, split over this server and a second one on the same database and Redis.
      await scenario('me-two-instances', async () => {
        const second = await startRealServer(`${label} #2`, env, options);
        try {
          const half = Math.max(1, Math.round(options.connections / 2));
          const specs = [server, second].map((one) => ({ ...me, url: `${one.url}/api/v1/users/me`, connections: half }));
          return await measureAcross(options, specs, [pid, second.child.pid ?? 0]);
        } finally {
          await stop(second.child);
        }
      });
    }
    await scenario('me-paced', async () => ({ result: await measure(options, paced) }));
    await scenario('login', async () => ({ result: await measure(options, login, 'autocannon') }));
    await scenario('register', async () => ({ result: await measure(options, register, 'autocannon') }));
    await scenario('me-under-login', async () => {
      // Logins start first and end last, so every /me request of the measured window meets a saturated bcrypt.
      const lead = 2;
      // Both loads share the server, so neither gets a CPU-per-request figure.
      const logins = runLoad('autocannon', { ...login, serverPid: undefined, durationSec: options.warmupSec + options.durationSec + 1 }, lead);
      await new Promise((resolve) => setTimeout(resolve, lead * 1000));
      const result = await measure(options, { ...paced, serverPid: undefined });
      return { result, note: `logins meanwhile ${(await logins).rps.toFixed(1)}/s` };
    });
    return rows;
  } finally {
    await stop(server.child);
  }
}

/**
 * /me on one of the reference servers (bench/baseline-server.ts, bench/stack-floor-server.ts), which verify the same
 * HS256 token and answer a fixed body.
 */
async function measureReference(options: BenchOptions, label: string, script: string): Promise<LoadResult> {
  const port = await freePort();
  const server = await startServer(label, process.execPath, ['--import', 'tsx', join(repoRoot, script)], {
    cwd: repoRoot,
    port,
    readyPath: '/',
    env: { PATH: process.env.PATH, PORT: String(port), JWT_SECRET: options.secret },
  });
  try {
    console.error(`  ${label}…`);
    return await measure(options, {
      url: `${server.url}/api/v1/users/me`,
      method: 'GET',
      headers: { Authorization: `Bearer ${signHs256(Buffer.from(options.secret, 'utf8'), '1', 3600)}` },
      connections: options.connections,
      serverPid: server.child.pid,
    });
  } finally {
    await stop(server.child);
  }
}

/** The PostgreSQL column: PostgreSQL + Redis, as a scaled-out deployment runs, on a database of its own. */
async function benchPostgres(options: BenchOptions, postgresUrl: string, redisUrl: string): Promise<Row[]> {
  const database = await createTestDatabase(postgresUrl);
  const redis = createRedisNamespace(redisUrl);
  try {
    const env = { DATABASE_URL: database.url, REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.keyPrefix };
    return await benchServer('postgresql', env, options, { twoInstances: true });
  } finally {
    await database.drop();
    await redis.clear();
  }
}

/** The CLI engineer's bench, when it exists, against a fresh server of its own; its output passes straight through. */
async function runCliBench(options: BenchOptions, env: NodeJS.ProcessEnv): Promise<number> {
  const script = join(options.root, 'bench/cli.ts');
  if (!existsSync(script)) return 0;
  console.log('\n## bench/cli.ts\n');
  const server = await startRealServer('sqlite (cli)', env, options);
  try {
    const { email, token } = await signUp(server.url);
    const child = launch(process.execPath, ['--import', 'tsx', script], {
      cwd: options.root,
      stdio: 'inherit',
      env: {
        ...process.env,
        BENCH_API_URL: server.url,
        BENCH_ACCESS_TOKEN: token,
        BENCH_EMAIL: email,
        BENCH_PASSWORD: PASSWORD,
        BENCH_DURATION: String(options.durationSec),
        BENCH_CONNECTIONS: String(options.connections),
      },
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    return code ?? 1;
  } finally {
    await stop(server.child);
  }
}

async function main(): Promise<number> {
  killChildrenOnExit();
  const options = parseOptions();
  const cores = availableParallelism();
  const main = join(options.root, 'dist/server/main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);

  console.error(`bench: ${options.tool}, ${options.durationSec} s per scenario after ${options.warmupSec} s warm-up`);
  const hashMs = await measureBcrypt(BCRYPT_ROUNDS);
  const bcryptCeilingRps = (cores * 1000) / hashMs;

  const dataDir = await mkdtemp(join(tmpdir(), 'authapi-bench-'));
  try {
    const baseline = await measureReference(options, 'baseline', 'bench/baseline-server.ts');
    const floor = await measureReference(options, 'stack floor', 'bench/stack-floor-server.ts');

    const sqliteEnv = { DATABASE_URL: `sqlite:///${join(dataDir, 'bench.db')}` };
    const servers = [{ label: 'sqlite', rows: await benchServer('sqlite', sqliteEnv, options) }];
    if (options.postgresUrl && options.redisUrl) servers.push({ label: 'postgresql', rows: await benchPostgres(options, options.postgresUrl, options.redisUrl) });
    else console.error('  postgresql: skipped; set TEST_DATABASE_URL and TEST_REDIS_URL (or --postgres-url and --redis-url)');

    const load: Partial<Record<ScenarioId, string>> = {
      me: `${options.connections} conns`,
      'me-es256': `${options.connections} conns`,
      login: `${options.bcryptConnections} conns`,
      register: `${options.bcryptConnections} conns`,
      'me-two-instances': `${options.connections} conns, half to each`,
      'me-paced': `${PACED.connections}×${PACED.ratePerConnection}/s`,
      'me-under-login': `${PACED.connections}×${PACED.ratePerConnection}/s + ${options.bcryptConnections} login conns`,
    };
    const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
    console.log(`\nMachine: ${cores} cores (${cpu}), Node ${process.version}; load: ${options.tool}; ${options.durationSec} s per scenario`);
    console.log(`bcrypt cost ${BCRYPT_ROUNDS}: one hash ${hashMs.toFixed(0)} ms → ceiling ${cores} ÷ ${(hashMs / 1000).toFixed(3)} s = ${bcryptCeilingRps.toFixed(1)} req/s\n`);
    // One table per server column: side by side they would be too wide to read.
    console.log(servers.map((server) => `### ${server.label}\n\n${renderTable({ baseline, floor, bcryptCeilingRps }, [server], load)}`).join('\n\n'));

    if (options.cli) {
      const code = await runCliBench(options, { DATABASE_URL: `sqlite:///${join(dataDir, 'cli.db')}` });
      if (code !== 0) {
        console.error(`bench/cli.ts exited with ${code}`);
        return 1;
      }
    }
    return 0;
  } finally {
    await killAll();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(error.message);
      process.exit(2);
    }
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    void killAll().finally(() => process.exit(1));
  },
);
