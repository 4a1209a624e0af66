/**
 * Restart time: how long from launching the server to its first 200 from GET /healthz, median of N runs, for
 * `npm start` (prestart's build checks included) and `node dist/server/main.js` alone; then the prestart steps
 * one by one. Each server runs in development settings on a free port against a temporary SQLite file that the
 * first, unmeasured run migrates, so the measured runs are restarts of an up-to-date database, as in daily use.
 *
 *   node --import tsx bench/startup.ts [--runs 7] [--root <dir> …] [--only npm,node,steps]
 *
 * Several `--root`s (project copies, each built, e.g. a `git worktree` of the commit before a change) are measured
 * interleaved, so a before/after comparison sees the same machine.
 *
 * Wall time depends on what else the machine runs, so the load average is printed, and so is CPU time (user +
 * system, the whole process tree including npm and the finished build steps), which competing processes barely move.
 * Needs a current dist/ (`npm run build`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from '../tests/helpers/ports.js';

interface Sample {
  wallMs: number;
  cpuMs: number;
}

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '7' },
    root: { type: 'string', multiple: true, default: [resolve(dirname(fileURLToPath(import.meta.url)), '..')] },
    only: { type: 'string', default: 'npm,node,steps' },
  },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number ≥ 1 (got "${values.runs}")`);
const roots = values.root.map((root) => resolve(root));
const only = new Set(values.only.split(','));
// What npm puts on the PATH for a script, so the steps run exactly as prestart runs them.
const scriptPath = (root: string) => [join(root, 'node_modules/.bin'), process.env.PATH ?? ''].join(delimiter);

/** user + system CPU of a process and of its waited-for children, in ms (USER_HZ = 100); 0 once it is gone. */
function ownCpuMs(pid: number): { cpu: number; ppid: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the name: state ppid … utime(14th) stime cutime cstime, counted from the 3rd field.
    const ticks = [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index]), 0);
    return { cpu: ticks * 10, ppid: Number(fields[1]) };
  } catch {
    return undefined;
  }
}

/** CPU of `pid` and all its living descendants (finished ones are in their parent's cutime/cstime). */
function treeCpuMs(pid: number): number {
  const parents = new Map<number, { cpu: number; ppid: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = ownCpuMs(Number(entry));
    if (stat) parents.set(Number(entry), stat);
  }
  let total = 0;
  const queue = [pid];
  while (queue.length > 0) {
    const current = queue.pop() ?? 0;
    total += parents.get(current)?.cpu ?? 0;
    for (const [child, stat] of parents) if (stat.ppid === current) queue.push(child);
  }
  return total;
}

async function healthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

async function stopTree(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  // Its own process group (detached), so npm and the node it started both get the signal.
  process.kill(-(child.pid ?? 0), 'SIGTERM');
  const timer = setTimeout(() => process.kill(-(child.pid ?? 0), 'SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Launches, polls /healthz every 5 ms until 200, records wall and tree CPU time, then stops it. */
async function timeStart(root: string, command: string, args: string[], databaseFile: string): Promise<Sample> {
  const port = await freePort();
  const env = {
    ...process.env,
    PATH: scriptPath(root),
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: `sqlite:///${databaseFile}`,
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'warn',
  };
  const started = performance.now();
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${command} ${args.join(' ')} exited with ${child.exitCode}:\n${stderr}`);
      if (await healthy(`http://127.0.0.1:${port}/healthz`)) break;
      if (performance.now() - started > 60_000) throw new Error(`${command} ${args.join(' ')} not healthy in 60 s:\n${stderr}`);
      await new Promise((done) => setTimeout(done, 5));
    }
    return { wallMs: performance.now() - started, cpuMs: treeCpuMs(child.pid ?? 0) };
  } finally {
    await stopTree(child);
  }
}

/** Runs one shell step as npm would (sh -c, node_modules/.bin on the PATH) and times it to its exit. */
async function timeStep(root: string, step: string): Promise<Sample> {
  const started = performance.now();
  const child = spawn('sh', ['-c', step], { cwd: root, env: { ...process.env, PATH: scriptPath(root) }, stdio: ['ignore', 'ignore', 'inherit'] });
  let cpuMs = 0;
  // Sampled while running, as an exited child's times are gone once reaped.
  const sampler = setInterval(() => (cpuMs = Math.max(cpuMs, treeCpuMs(child.pid ?? 0))), 20);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearInterval(sampler);
  if (code !== 0) throw new Error(`"${step}" exited with ${code}`);
  return { wallMs: performance.now() - started, cpuMs };
}

function median(numbers: number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

const WIDTH = 56;
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
function row(label: string, samples: Sample[]): string {
  const walls = samples.map((sample) => sample.wallMs);
  return `${label.padEnd(WIDTH)} ${seconds(median(walls)).padStart(8)} ${seconds(Math.min(...walls)).padStart(8)} ${seconds(Math.max(...walls)).padStart(8)} ${seconds(median(samples.map((sample) => sample.cpuMs))).padStart(8)}`;
}

interface Variant {
  label: string;
  root: string;
  command: string;
  args: string[];
}
const variants: Variant[] = [];
const steps: { label: string; root: string; step: string }[] = [];
for (const [index, root] of roots.entries()) {
  const name = roots.length > 1 ? `[${index + 1}] ` : '';
  if (only.has('npm')) variants.push({ label: `${name}npm start → first 200 /healthz`, root, command: 'npm', args: ['start', '--silent'] });
  if (only.has('node')) variants.push({ label: `${name}node dist/server/main.js → 200 /healthz`, root, command: process.execPath, args: ['dist/server/main.js'] });
  const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const prestart = only.has('steps') ? (scripts.prestart ?? '').split('&&').map((step) => step.trim()).filter(Boolean) : [];
  for (const step of prestart) steps.push({ label: `${name}prestart: ${step}`, root, step });
}

const directory = mkdtempSync(join(tmpdir(), 'authapi-startup-'));
const loadBefore = loadavg()[0] ?? 0;
const results = new Map<string, Sample[]>();
const record = (label: string, sample: Sample) => results.set(label, [...(results.get(label) ?? []), sample]);
try {
  const databases = new Map(variants.map((variant, index) => [variant, join(directory, `${index}.db`)]));
  for (const variant of variants) await timeStart(variant.root, variant.command, variant.args, databases.get(variant) ?? '');
  // Interleaved, so a burst of load from elsewhere hits every variant alike.
  for (let run = 0; run < runs; run++) {
    for (const variant of variants) record(variant.label, await timeStart(variant.root, variant.command, variant.args, databases.get(variant) ?? ''));
    for (const { label, root, step } of steps) record(label, await timeStep(root, step));
  }
} finally {
  rmSync(directory, { recursive: true, force: true });
}
const loadAfter = loadavg()[0] ?? 0;
console.log(`start-up: ${runs} runs each, interleaved, after one unmeasured run that migrates the database (load average ${loadBefore.toFixed(2)} → ${loadAfter.toFixed(2)})`);
console.log(`${''.padEnd(WIDTH)} ${'median'.padStart(8)} ${'min'.padStart(8)} ${'max'.padStart(8)} ${'CPU'.padStart(8)}`);
for (const [label, samples] of results) console.log(row(label, samples));
