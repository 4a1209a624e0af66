/**
 * Child processes of a bench run. Every child is registered here, so one `killAll()` (or the process-exit
 * hook installed by `killChildrenOnExit()`) ends them all, whatever failed in between.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
export { freePort } from '../tests/helpers/ports.js';

const children = new Set<ChildProcess>();

export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export function launch(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  return track(spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options }));
}

/** SIGTERM, then SIGKILL after `graceMs` for any child that did not exit. */
export async function stop(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export async function killAll(): Promise<void> {
  await Promise.all([...children].map((child) => stop(child)));
}

/** Last resort on any way out (error, Ctrl-C): `exit` handlers must be synchronous, so SIGKILL. */
export function killChildrenOnExit(): void {
  process.once('exit', () => {
    for (const child of children) child.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping children`);
      void killAll().finally(() => process.exit(130));
    });
  }
}

export interface RunningServer {
  label: string;
  url: string;
  child: ChildProcess;
  /** stderr and non-JSON stdout so far, for error messages. */
  output(): string;
}

/**
 * Starts a server and resolves once it answers `readyPath` (or logs "listening on …" with a `url`), which works
 * at any LOG_LEVEL: at `warn` the real server does not log its URL. Rejects if it exits or is not up in time.
 */
export async function startServer(
  label: string,
  command: string,
  args: string[],
  options: {
    env: NodeJS.ProcessEnv;
    port: number;
    readyPath: string;
    timeoutMs?: number;
    cwd?: string;
    /** Sees every line the server writes to stdout that is not a JSON log line (e.g. node's --trace-gc). */
    onTextLine?: (line: string) => void;
  },
): Promise<RunningServer> {
  const child = launch(command, args, { env: options.env, cwd: options.cwd });
  let output = '';
  let url = `http://127.0.0.1:${options.port}`;
  const keep = (line: string) => {
    output = (output + line + '\n').slice(-8000);
  };
  if (child.stdout) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const logged = parseJson(line);
      if (logged && typeof logged.url === 'string' && typeof logged.msg === 'string' && logged.msg.startsWith('listening on')) url = logged.url;
      else if (!logged || Number(logged.level) >= 40) keep(line);
      if (!logged) options.onTextLine?.(line);
    });
  }
  if (child.stderr) createInterface({ input: child.stderr }).on('line', keep);

  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let exited = false;
  child.once('exit', () => (exited = true));
  for (;;) {
    if (exited) throw new Error(`${label} exited with code ${child.exitCode ?? child.signalCode} before it was ready:\n${output}`);
    if (Date.now() > deadline) {
      await stop(child);
      throw new Error(`${label} was not ready within ${options.timeoutMs ?? 30_000} ms:\n${output}`);
    }
    if (await answers(`${url}${options.readyPath}`)) return { label, url, child, output: () => output };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return response.status < 500;
  } catch {
    return false;
  }
}

function parseJson(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.fromEntries(Object.entries(value)) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CPU time (user + system, all threads: the event loop and libuv's pool, where bcrypt and node-sqlite3 work) a
 * process has used, in ms; undefined where /proc is missing. Unlike req/s, CPU per request barely moves when other
 * processes compete for the cores, so it is the number to compare variants by on a shared machine.
 */
export function cpuTimeMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th, in USER_HZ (100) ticks.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** CPU time, in ms, of every process whose command name is `name` (e.g. `postgres`: its backends and workers). */
export function cpuTimeOfCommandMs(name: string): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) total += cpuTimeMs(Number(entry)) ?? 0;
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return total;
}

/** Busy and total CPU time of the whole machine (all cores), in ms, from /proc/stat; undefined without /proc. */
export function machineCpuMs(): { busy: number; total: number } | undefined {
  try {
    const [, ...ticks] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).map(Number);
    // user nice system idle iowait irq softirq steal: idle and iowait are the idle ones.
    const total = ticks.slice(0, 8).reduce((sum, value) => sum + value, 0);
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
    return { busy: (total - idle) * 10, total: total * 10 };
  } catch {
    return undefined;
  }
}
