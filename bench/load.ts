/**
 * One load-generator interface over two tools. wrk is the default for the fast scenarios when installed: it is C,
 * so on a 2-core machine it leaves the server far more CPU than autocannon, whose own event loop costs about a core
 * at 10k+ req/s and would cap the baseline (and so inflate the /me-to-baseline ratio). autocannon (programmatic
 * API) is the fallback (`--tool autocannon`) and always drives the bcrypt-bound scenarios, which need its
 * per-response events (see runLoad) and send only a few requests per second.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { cpuTimeMs, launch } from './processes.js';

export type Tool = 'wrk' | 'autocannon';

export interface LoadSpec {
  url: string;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** `{n}` is replaced by a value unique to each request (and to this run), e.g. for unique emails. */
  body?: string;
  connections: number;
  durationSec: number;
  /** Requests per second per connection; without it each connection sends as fast as answers come back. */
  ratePerConnection?: number;
  /** The server's pid, to report its CPU time per request. */
  serverPid?: number;
}

export interface LoadResult {
  /** Successful (2xx) responses per second. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Non-2xx answers, socket errors and timeouts. */
  errors: number;
  total: number;
  /** Server CPU time (all threads) per answered request in the measured window. */
  cpuMsPerRequest?: number;
}

export const WRK = '/usr/bin/wrk';

export function defaultTool(): Tool {
  return existsSync(WRK) ? 'wrk' : 'autocannon';
}

/**
 * Warms up for `warmupSec`, then measures for `spec.durationSec`. wrk gets two separate runs; autocannon gets one
 * continuous run of which only the responses completed inside the measured window count. The continuous run is
 * what bcrypt-bound scenarios need: at a few req/s with seconds of latency, a separate warm-up would leave
 * abandoned hashes running into the measured run, and a cold start would lose the first hashes' worth of time.
 */
export async function runLoad(tool: Tool, spec: LoadSpec, warmupSec = 0): Promise<LoadResult> {
  if (tool === 'autocannon') return runAutocannon(spec, warmupSec);
  if (warmupSec > 0) await runWrk({ ...spec, durationSec: warmupSec });
  const before = cpuTimeMs(spec.serverPid);
  const result = await runWrk(spec);
  return { ...result, cpuMsPerRequest: perRequest(before, cpuTimeMs(spec.serverPid), result.total) };
}

function perRequest(before: number | undefined, after: number | undefined, requests: number): number | undefined {
  return before === undefined || after === undefined || requests === 0 ? undefined : (after - before) / requests;
}

async function runAutocannon(spec: LoadSpec, warmupSec: number): Promise<LoadResult> {
  const { url, method, headers = {}, body, connections, durationSec, ratePerConnection } = spec;
  const tag = randomBytes(4).toString('hex');
  let counter = 0;
  const instance = autocannon({
    url,
    connections,
    duration: warmupSec + durationSec,
    timeout: 30,
    ...(ratePerConnection === undefined ? {} : { connectionRate: ratePerConnection }),
    requests: [
      {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        setupRequest: (request) => (body?.includes('{n}') ? { ...request, body: body.replaceAll('{n}', `${tag}-${++counter}`) } : request),
      },
    ],
  });
  const started = performance.now();
  const from = started + warmupSec * 1000;
  const until = from + durationSec * 1000;
  const latencies: number[] = [];
  let failed = 0;
  let total = 0;
  const inWindow = () => {
    const now = performance.now();
    return now >= from && now < until;
  };
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (!inWindow()) return;
    total++;
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    else failed++;
  });
  instance.on('reqError', () => {
    if (!inWindow()) return;
    total++;
    failed++;
  });
  let cpuBefore: number | undefined;
  let cpuAfter: number | undefined;
  const timers = [
    setTimeout(() => (cpuBefore = cpuTimeMs(spec.serverPid)), warmupSec * 1000),
    setTimeout(() => (cpuAfter = cpuTimeMs(spec.serverPid)), (warmupSec + durationSec) * 1000),
  ];
  await instance;
  timers.forEach(clearTimeout);
  latencies.sort((a, b) => a - b);
  return {
    rps: latencies.length / durationSec,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    errors: failed,
    total,
    cpuMsPerRequest: perRequest(cpuBefore, cpuAfter, total),
  };
}

/** The p-th percentile of sorted values (nearest rank); NaN when there are none. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** Lua literal for ASCII text (LuaJIT has no \u escapes). */
function lua(text: string): string {
  if (/[^\x20-\x7e]/.test(text)) throw new Error(`wrk scripts take printable ASCII only: ${JSON.stringify(text)}`);
  return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

function wrkScript(spec: LoadSpec, tag: string): string {
  const headers = Object.entries(spec.headers ?? {})
    .map(([name, value]) => `wrk.headers[${lua(name)}] = ${lua(value)}`)
    .join('\n');
  const dynamic = spec.body?.includes('{n}') ?? false;
  const lines = [`wrk.method = ${lua(spec.method)}`, headers];
  if (spec.body !== undefined && !dynamic) lines.push(`wrk.body = ${lua(spec.body)}`);
  lines.push('local threads = 0', 'function setup(thread) threads = threads + 1; thread:set("id", threads) end');
  if (dynamic && spec.body !== undefined) {
    // Each wrk thread has its own Lua state: the thread id and the run tag keep values unique across threads and runs.
    lines.push(
      'local counter = 0',
      `local template = ${lua(spec.body)}`,
      'function request()',
      '  counter = counter + 1',
      `  local unique = ${lua(tag)} .. "-" .. tostring(id) .. "-" .. tostring(counter)`,
      '  return wrk.format(nil, nil, nil, (template:gsub("{n}", unique)))',
      'end',
    );
  }
  if (spec.ratePerConnection !== undefined) {
    // A fixed pause between a connection's requests approximates an open rate at low load, where answers are fast.
    lines.push(`function delay() return ${Math.max(1, Math.round(1000 / spec.ratePerConnection))} end`);
  }
  lines.push(
    'function done(summary, latency, requests)',
    '  local e = summary.errors',
    '  io.write(string.format("BENCH_JSON {\\"requests\\":%d,\\"duration_us\\":%d,\\"socket\\":%d,\\"status\\":%d,\\"timeout\\":%d,\\"p50\\":%d,\\"p99\\":%d}\\n",',
    '    summary.requests, summary.duration, e.connect + e.read + e.write, e.status, e.timeout, latency:percentile(50), latency:percentile(99)))',
    'end',
  );
  return lines.join('\n') + '\n';
}

async function runWrk(spec: LoadSpec): Promise<LoadResult> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-wrk-'));
  try {
    const script = join(dir, 'scenario.lua');
    await writeFile(script, wrkScript(spec, randomBytes(4).toString('hex')));
    // One thread: enough for tens of thousands of req/s, and it leaves the second core to the server.
    const args = ['-t1', `-c${spec.connections}`, `-d${spec.durationSec}s`, '--timeout', '30s', '-s', script, spec.url];
    const child = launch(WRK, args);
    let report: string | undefined;
    let stderr = '';
    if (child.stdout) createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('BENCH_JSON ')) report = line.slice('BENCH_JSON '.length);
    });
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    if (code !== 0 || report === undefined) throw new Error(`wrk failed (exit ${code}): ${stderr.trim()}`);
    const parsed = parseWrkReport(report);
    const failed = parsed.socket + parsed.status + parsed.timeout;
    return {
      rps: Math.max(0, parsed.requests - parsed.status) / (parsed.duration_us / 1e6),
      p50Ms: parsed.p50 / 1000,
      p99Ms: parsed.p99 / 1000,
      errors: failed,
      total: parsed.requests,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface WrkReport {
  requests: number;
  duration_us: number;
  socket: number;
  status: number;
  timeout: number;
  p50: number;
  p99: number;
}

function parseWrkReport(text: string): WrkReport {
  const value: unknown = JSON.parse(text);
  const keys = ['requests', 'duration_us', 'socket', 'status', 'timeout', 'p50', 'p99'] as const;
  if (typeof value !== 'object' || value === null) throw new Error(`unexpected wrk report: ${text}`);
  const record = new Map(Object.entries(value));
  const report: WrkReport = { requests: 0, duration_us: 0, socket: 0, status: 0, timeout: 0, p50: 0, p99: 0 };
  for (const key of keys) {
    const field = record.get(key);
    if (typeof field !== 'number') throw new Error(`wrk report lacks ${key}: ${text}`);
    report[key] = field;
  }
  return report;
}
