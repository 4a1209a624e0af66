import type { components } from '../generated/openapi.js';
import type { CliError } from './exit-codes.js';

type User = components['schemas']['User'];

/** https://no-color.org: any non-empty NO_COLOR turns colour off; a pipe or file never gets escape codes. */
export function colourEnabled(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !env.NO_COLOR;
}

function paint(stream: NodeJS.WriteStream, code: string, text: string): string {
  return colourEnabled(stream) ? `\u001b[${code}m${text}\u001b[0m` : text;
}

/** `--json`: the value alone on stdout, so `| jq` always parses. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** Aligned `key: value` lines; absent values are left out rather than printed as "null". */
export function printFields(fields: ReadonlyArray<readonly [string, string | number | null | undefined]>): void {
  const present = fields.filter((field): field is readonly [string, string | number] => field[1] !== null && field[1] !== undefined);
  const width = Math.max(...present.map(([label]) => label.length)) + 1;
  const lines = present.map(([label, value]) => `${paint(process.stdout, '1', `${label}:`.padEnd(width))} ${value}`);
  process.stdout.write(lines.join('\n') + '\n');
}

/** One human line on stdout, for commands whose result is a confirmation rather than data. */
export function printLine(text: string): void {
  process.stdout.write(text + '\n');
}

export function printUser(user: User, options: { json: boolean }): void {
  if (options.json) return printJson(user);
  printFields(userFields(user));
}

export function userFields(user: User): Array<readonly [string, string | number | null]> {
  return [
    ['id', user.id],
    ['email', user.email],
    ['full name', user.full_name],
    ['role', user.role],
    ['created', formatTime(user.created_at)],
  ];
}

/** `2025-11-26 05:21 UTC`: readable, unambiguous, and the same on every machine. */
export function formatTime(iso: string): string {
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return iso;
  return time.toISOString().replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC');
}

/** Errors go to stderr, never with a stack: the message and its detail lines are written for people. */
export function printError(error: Pick<CliError, 'message' | 'details'>): void {
  const lines = [`${paint(process.stderr, '31', 'error:')} ${error.message}`, ...error.details.map((line) => `  ${line}`)];
  process.stderr.write(lines.join('\n') + '\n');
}

export function printWarning(text: string): void {
  process.stderr.write(`${paint(process.stderr, '33', 'warning:')} ${text}\n`);
}
