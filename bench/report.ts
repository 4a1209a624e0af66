/** The tables a bench run prints: scenarios down, one group of columns per server configuration. */
import type { LoadResult } from './load.js';

export type ScenarioId = 'me' | 'me-es256' | 'me-two-instances' | 'login' | 'register' | 'me-paced' | 'me-under-login';

export interface Row {
  scenario: ScenarioId;
  result: LoadResult;
  /** e.g. the login rate reached while /me was measured. */
  note?: string;
}

export interface ServerRows {
  label: string;
  rows: Row[];
}

export interface Context {
  baseline: LoadResult;
  /** Koa + @koa/router + a jsonwebtoken check and nothing else: what the framework and the JWT library cost. */
  floor: LoadResult;
  /** Theoretical login/register ceiling: cores ÷ one bcrypt hash at the server's cost. */
  bcryptCeilingRps: number;
}

interface Target {
  describe: string;
  /** The measured ratio or value shown in the table, and whether it meets the target; `rows` are the same server's. */
  check(result: LoadResult, context: Context, rows: Row[]): { shown: string; pass: boolean } | undefined;
}

const percent = (value: number) => `${Math.round(value * 100)} %`;

const bcryptTarget: Target = {
  describe: '≥ 90 % of bcrypt ceiling',
  check: (result, { bcryptCeilingRps }) => {
    const ratio = result.rps / bcryptCeilingRps;
    return { shown: `${percent(ratio)} of ceiling`, pass: ratio >= 0.9 };
  },
};

/** A target relative to the same server's plain `/me` row. */
function againstMe(describe: string, minimum: number, show: (ratio: number) => string): Target {
  return {
    describe,
    check: (result, _context, rows) => {
      const me = rows.find((row) => row.scenario === 'me')?.result.rps;
      if (me === undefined || me === 0) return undefined;
      const ratio = result.rps / me;
      return { shown: show(ratio), pass: ratio >= minimum };
    },
  };
}

export const SCENARIOS: Record<ScenarioId, { title: string; target?: Target }> = {
  me: {
    title: 'GET /me',
    target: {
      describe: '≥ 40 % of baseline req/s',
      check: (result, { baseline }) => {
        const ratio = result.rps / baseline.rps;
        return { shown: `${percent(ratio)} of baseline`, pass: ratio >= 0.4 };
      },
    },
  },
  'me-es256': {
    title: 'GET /me, ES256 tokens',
    target: againstMe('≥ 80 % of HS256 /me', 0.8, (ratio) => `${percent(ratio)} of HS256`),
  },
  'me-two-instances': {
    title: 'GET /me, two instances',
    target: againstMe('≥ 1.5× one instance', 1.5, (ratio) => `${ratio.toFixed(2)}× one instance`),
  },
  login: { title: 'POST /login', target: bcryptTarget },
  register: { title: 'POST /register', target: bcryptTarget },
  'me-paced': { title: 'GET /me paced, idle server' },
  'me-under-login': {
    title: 'GET /me paced, logins saturating',
    target: {
      describe: 'p99 < 50 ms',
      check: (result) => ({ shown: `p99 ${ms(result.p99Ms)} ms`, pass: result.p99Ms < 50 }),
    },
  },
};

function ms(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

function cpu(result: LoadResult): string {
  return result.cpuMsPerRequest === undefined ? '' : ms(result.cpuMsPerRequest);
}

function rps(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

export function renderTable(context: Context, servers: ServerRows[], connections: Partial<Record<ScenarioId, string>>): string {
  const header = ['scenario', 'load'];
  for (const { label } of servers) header.push(`${label} req/s`, 'p50 ms', 'p99 ms', 'errors', 'CPU ms/req', 'measured', 'target');
  const lines: string[][] = [header];
  const { baseline } = context;
  lines.push(['baseline node:http + HS256', connections.me ?? '', rps(baseline.rps), ms(baseline.p50Ms), ms(baseline.p99Ms), String(baseline.errors), cpu(baseline), '', '']);
  const { floor } = context;
  const floorShare = `${percent(floor.rps / baseline.rps)} of baseline with Koa and jsonwebtoken alone`;
  lines.push(['stack floor: Koa + jsonwebtoken', connections.me ?? '', rps(floor.rps), ms(floor.p50Ms), ms(floor.p99Ms), String(floor.errors), cpu(floor), floorShare, '']);
  const order = Object.keys(SCENARIOS).filter((id): id is ScenarioId => id in SCENARIOS);
  for (const id of order) {
    const { title, target } = SCENARIOS[id];
    const line = [title, connections[id] ?? ''];
    let any = false;
    for (const { rows } of servers) {
      const row = rows.find((candidate) => candidate.scenario === id);
      if (!row) {
        line.push('', '', '', '', '', '', '');
        continue;
      }
      any = true;
      const { result } = row;
      const verdict = target?.check(result, context, rows);
      line.push(
        rps(result.rps),
        ms(result.p50Ms),
        ms(result.p99Ms),
        String(result.errors),
        cpu(result),
        [verdict?.shown, row.note].filter(Boolean).join('; '),
        verdict ? `${verdict.pass ? 'PASS' : 'MISS'} (${target?.describe})` : '',
      );
    }
    if (any) lines.push(line);
  }
  const widths = header.map((_, column) => Math.max(...lines.map((line) => (line[column] ?? '').length)));
  const numeric = (column: number) => column >= 2 && (column - 2) % 7 < 5;
  const format = (line: string[]) =>
    `| ${line.map((cell, column) => (numeric(column) ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((width, column) => (numeric(column) ? `${'-'.repeat(width + 1)}:` : '-'.repeat(width + 2))).join('|')}|`;
  const [first = header, ...rest] = lines;
  return [format(first), rule, ...rest.map(format)].join('\n');
}
