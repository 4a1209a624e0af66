import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** What `npm start` runs; `npm test` builds it first. */
export const SERVER_MAIN = join(PACKAGE_ROOT, 'dist', 'server', 'main.js');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ChildProcessRun {
  pid: number;
  /** Resolves when the process has exited, however it ended. */
  exited: Promise<Exit>;
  stdout(): string;
  stderr(): string;
  /** stdout's JSON log lines, parsed; other lines are skipped. */
  logs(): Record<string, unknown>[];
  kill(signal?: NodeJS.Signals): void;
}

export interface ChildServer extends ChildProcessRun {
  /** Parsed from the "listening on …" log line, e.g. `http://127.0.0.1:41234`. */
  url: string;
}

export interface ChildOptions {
  /** The child's whole environment (plus PATH): nothing leaks in from the test runner's. */
  env: Record<string, string>;
  /** Where the child runs: `.env` and relative `sqlite:///` paths are read from here. */
  cwd: string;
}

/** A start takes about a second; on a loaded 2-core machine, many more. */
export const CHILD_START_TIMEOUT_MS = 45_000;
/** For describe blocks that start child servers: a start or two plus the test itself. */
export const CHILD_TEST_TIMEOUT_MS = 120_000;

const running = new Set<ChildProcessRun>();
const tempDirs = new Set<string>();

/** A fresh directory, removed by `cleanUpChildren()`. */
export function makeTempDir(label = 'child'): string {
  const dir = mkdtempSync(join(tmpdir(), `authapi-${label}-`));
  tempDirs.add(dir);
  return dir;
}

/** Starts `node dist/server/main.js`; waits for nothing. */
export function spawnMain(options: ChildOptions): ChildProcessRun {
  if (!existsSync(SERVER_MAIN)) throw new Error(`${SERVER_MAIN} is missing: run npm run build first`);
  return spawnChild(process.execPath, [SERVER_MAIN], options);
}

/**
 * Runs a command (e.g. `npm start`, or the server under `script` for a pseudo-terminal) as the leader of a
 * process group of its own, as a terminal runs a foreground job: `signalGroup` then reaches every process in
 * it at once, as Ctrl-C does.
 */
export function spawnGroup(command: string, args: string[], options: ChildOptions): ChildProcessRun & { signalGroup(signal: NodeJS.Signals): void } {
  const run = spawnChild(command, args, options, true);
  return {
    ...run,
    signalGroup(signal) {
      try {
        process.kill(-run.pid, signal);
      } catch {
        // the group is gone already
      }
    },
  };
}

function spawnChild(command: string, args: string[], options: ChildOptions, detached = false): ChildProcessRun {
  const child: ChildProcess = spawn(command, args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached,
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not spawn the server');
  const out: string[] = [];
  const err: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => out.push(chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => err.push(chunk.toString('utf8')));
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const run: ChildProcessRun = {
    pid,
    exited,
    stdout: () => out.join(''),
    stderr: () => err.join(''),
    logs: () => parseLogLines(out.join('')),
    kill(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // A group's leader takes its whole group with it (cleanUpChildren must not leave a server behind).
      if (detached) process.kill(-pid, signal);
      else child.kill(signal);
    },
  };
  running.add(run);
  void exited.then(() => running.delete(run));
  return run;
}

/** Starts the server and waits for its "listening" line; fails with its output if it exits or hangs first. */
export async function startChildServer(options: ChildOptions, timeoutMs = CHILD_START_TIMEOUT_MS): Promise<ChildServer> {
  return waitForListening(spawnMain(options), timeoutMs);
}

/** Waits for a started server's "listening" line (JSON logs); fails with its output if it exits or hangs first. */
export async function waitForListening<Run extends ChildProcessRun>(run: Run, timeoutMs = CHILD_START_TIMEOUT_MS): Promise<Run & { url: string }> {
  const deadline = Date.now() + timeoutMs;
  let exit: Exit | undefined;
  void run.exited.then((value) => (exit = value));
  while (Date.now() < deadline) {
    const url = listeningUrl(run.logs());
    if (url !== undefined) return { ...run, url };
    if (exit !== undefined) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  run.kill('SIGKILL');
  throw new Error(
    `server did not start (${exit ? `exit ${String(exit.code ?? exit.signal)}` : 'timed out'})\n` +
      `stdout: ${run.stdout()}\nstderr: ${run.stderr()}`,
  );
}

/** Runs the server expecting it to exit by itself (e.g. on a refused configuration); SIGKILLs it after the timeout. */
export async function runToExit(
  options: ChildOptions,
  timeoutMs = CHILD_START_TIMEOUT_MS,
): Promise<Exit & { stdout: string; stderr: string }> {
  const run = spawnMain(options);
  const timer = setTimeout(() => run.kill('SIGKILL'), timeoutMs);
  const exit = await run.exited;
  clearTimeout(timer);
  return { ...exit, stdout: run.stdout(), stderr: run.stderr() };
}

/** For afterAll: kills every child still running, then removes the temp directories. */
export async function cleanUpChildren(): Promise<void> {
  const left = [...running];
  for (const run of left) run.kill('SIGKILL');
  await Promise.all(left.map((run) => run.exited));
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

function parseLogLines(text: string): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const value: unknown = JSON.parse(line);
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) lines.push(Object.fromEntries(Object.entries(value)));
    } catch {
      // a line still being written
    }
  }
  return lines;
}

function listeningUrl(logs: Record<string, unknown>[]): string | undefined {
  for (const line of logs) {
    if (typeof line.msg === 'string' && line.msg.startsWith('listening on') && typeof line.url === 'string') return line.url;
  }
  return undefined;
}
