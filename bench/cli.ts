/**
 * Start-up cost of the built `authcli`: median wall time of `--help` and `me`
 * beside bare `node -e 0`, measured in the same run so the machine's noise
 * cancels out of the deltas. `authcli` is run by name from a link on the PATH,
 * as `npm link` installs it; `npx authcli` (what works without installing)
 * is measured beside it, so its cost is visible. Not a test: it prints a table
 * and fails only if a command fails.
 *
 *   npm run build && node --import tsx bench/cli.ts [--runs 20] [--json]
 *
 * Run alone it starts the real server in this process (port 0, fresh SQLite).
 * Run from bench/run.ts it uses that server instead: BENCH_API_URL, with
 * BENCH_EMAIL and BENCH_PASSWORD for an existing account.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AUTHCLI_BIN, cliLogin, createCliSandbox, type CliResult, type CliSandbox } from '../tests/helpers/cli.js';
import { GOOD_PASSWORD, startTestServer, uniqueEmail, type TestServer } from '../tests/helpers/server.js';

const BUILT_MAIN = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Added wall time over bare node that the issue allows. */
const TARGET_DELTA_MS = { help: 80, me: 120 } as const;
/** The first runs pay for a cold disk cache and a cold server; they are not what a user sees twice a minute. */
const WARMUP_RUNS = 3;

interface Measured {
  label: string;
  medianMs: number;
  /** The least disturbed run: on a busy machine, the closer estimate of the intrinsic cost. */
  minMs: number;
  deltaMs?: number;
  targetDeltaMs?: number;
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' }, json: { type: 'boolean', default: false } } });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number ≥ 1 (got "${values.runs}")`);
  if (!existsSync(BUILT_MAIN)) throw new Error(`${BUILT_MAIN} is missing: run \`npm run build\` first`);

  const external = process.env.BENCH_API_URL;
  const server: TestServer | undefined = external ? undefined : await startTestServer({ LOG_LEVEL: 'warn' });
  const baseUrl = external ?? server?.url ?? '';
  // A home of its own and a clean environment: the developer's own AUTHCLI_* or NODE_OPTIONS must not change what
  // is measured.
  const cli = createCliSandbox(baseUrl);
  // What `npm link` leaves on the PATH: a symlink named authcli to bin/authcli.js, run through its `env node` line.
  const linkDir = join(cli.home, 'bin');
  mkdirSync(linkDir);
  symlinkSync(AUTHCLI_BIN, join(linkDir, 'authcli'));
  const env = { ...cli.env, PATH: `${linkDir}:${cli.env.PATH}` };
  try {
    await signIn(cli);
    const commands = {
      node: [process.execPath, ['-e', '0']],
      help: ['authcli', ['--help']],
      me: ['authcli', ['me']],
      npxHelp: ['npx', ['authcli', '--help']],
      npxMe: ['npx', ['authcli', 'me']],
    } as const;
    const names = Object.keys(commands) as (keyof typeof commands)[];
    const samples: Record<keyof typeof commands, number[]> = { node: [], help: [], me: [], npxHelp: [], npxMe: [] };
    for (let run = 0; run < WARMUP_RUNS + runs; run += 1) {
      // Interleaved, so a burst of background load hits all of them alike.
      for (const name of names) {
        const [command, args] = commands[name];
        const elapsed = await timeRun(command, [...args], env);
        if (run >= WARMUP_RUNS) samples[name].push(elapsed);
      }
    }
    const nodeMs = median(samples.node);
    const row = (label: string, values: number[], targetDeltaMs?: number): Measured => ({
      label,
      medianMs: median(values),
      minMs: Math.min(...values),
      deltaMs: median(values) - nodeMs,
      ...(targetDeltaMs === undefined ? {} : { targetDeltaMs }),
    });
    const rows = [
      { label: 'node -e 0', medianMs: nodeMs, minMs: Math.min(...samples.node) },
      row('authcli --help', samples.help, TARGET_DELTA_MS.help),
      row('authcli me', samples.me, TARGET_DELTA_MS.me),
      row('npx authcli --help', samples.npxHelp),
      row('npx authcli me', samples.npxMe),
    ];
    if (values.json) console.log(JSON.stringify({ runs, node: process.version, cpus: availableParallelism(), loadAverage: loadavg()[0], rows }, null, 2));
    else console.log(renderTable(rows, runs));
    return 0;
  } finally {
    cli.cleanup();
    await server?.stop();
  }
}

/** Through the CLI itself, as a user would: register (unless the account is given), then log in. */
async function signIn(cli: CliSandbox): Promise<void> {
  const email = process.env.BENCH_EMAIL ?? uniqueEmail('bench');
  const password = process.env.BENCH_PASSWORD ?? GOOD_PASSWORD;
  const check = (step: string, result: CliResult) => {
    if (result.code !== 0) throw new Error(`authcli ${step} exited ${result.code}: ${result.stderr.trim()}`);
  };
  if (!process.env.BENCH_EMAIL) check('register', await cli.run(['register', '--email', email, '--password-stdin'], { stdin: `${password}\n` }));
  check('login', await cliLogin(cli, email, { password }));
  check('me', await cli.run(['me']));
}

function timeRun(command: string, args: string[], env: Record<string, string>): Promise<number> {
  const started = performance.now();
  return run(command, args, env).then(({ code, stderr }) => {
    const elapsed = performance.now() - started;
    if (code !== 0) throw new Error(`${[command, ...args].join(' ')} exited ${code}: ${stderr.trim()}`);
    return elapsed;
  });
}

/** Asynchronous on purpose: the server may live in this process, and a blocking spawnSync would starve it. */
function run(command: string, args: string[], env: Record<string, string>, stdin = ''): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    // From the package root, where `npx authcli` finds this package's bin.
    const child = spawn(command, args, { cwd: PACKAGE_ROOT, env, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
    child.stdin.end(stdin);
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? NaN) : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
}

function renderTable(rows: Measured[], runs: number): string {
  const header = ['command', 'median', 'min', 'median vs node', 'target', ''];
  const body = rows.map((row) => [
    row.label,
    `${row.medianMs.toFixed(1)} ms`,
    `${row.minMs.toFixed(1)} ms`,
    row.deltaMs === undefined ? '' : `+${row.deltaMs.toFixed(1)} ms`,
    row.targetDeltaMs === undefined ? '' : `≤ +${row.targetDeltaMs} ms`,
    row.deltaMs === undefined || row.targetDeltaMs === undefined ? '' : row.deltaMs <= row.targetDeltaMs ? 'PASS' : 'MISS',
  ]);
  const widths = header.map((_, column) => Math.max(...[header, ...body].map((cells) => (cells[column] ?? '').length)));
  const format = (cells: string[]) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ').trimEnd();
  // The load average says how far to trust the numbers: bare node's own time is the other tell.
  const context = `node ${process.version}, ${availableParallelism()} CPUs, load average ${loadavg()[0]?.toFixed(1)}`;
  return [`authcli start-up: ${runs} runs each, interleaved (${context})`, format(header), ...body.map(format)].join('\n');
}

process.exitCode = await main();
