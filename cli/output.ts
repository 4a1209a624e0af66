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

/**
 * Characters that make a terminal do something instead of showing them: C0
 * and C1 controls (ESC and CSI start escape sequences, NEL breaks a line),
 * bidi overrides and isolates (they reorder what follows), line and paragraph
 * separators. The server's data can hold them (a user agent is whatever a
 * client sent), so nothing it sends is printed raw.
 */
const UNPRINTABLE = /[\p{Cc}\p{Bidi_Control}\p{Zl}\p{Zp}]/gu;

/** Shown as `\u{202e}`: visible, unambiguous, and never acted on by the terminal. */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (char) => `\\u{${(char.codePointAt(0) ?? 0).toString(16)}}`);
}

/** What JSON.stringify leaves raw in strings (it escapes C0 itself; the newlines it adds between members must stay). */
const UNPRINTABLE_IN_JSON = /[\u007f-\u009f\p{Bidi_Control}\p{Zl}\p{Zp}]/gu;

/**
 * `--json`: the value alone on stdout, so `| jq` always parses. The characters
 * JSON.stringify leaves raw become `\uXXXX`, which parses back to the very
 * same value.
 */
export function printJson(value: unknown): void {
  const text = JSON.stringify(value, null, 2).replace(UNPRINTABLE_IN_JSON, (char) => `\\u${(char.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);
  process.stdout.write(text + '\n');
}

/** Aligned `key: value` lines; absent values are left out rather than printed as "null". */
export function printFields(fields: ReadonlyArray<readonly [string, string | number | null | undefined]>): void {
  const present = fields.filter((field): field is readonly [string, string | number] => field[1] !== null && field[1] !== undefined);
  const width = Math.max(...present.map(([label]) => label.length)) + 1;
  const lines = present.map(([label, value]) => `${paint(process.stdout, '1', `${label}:`.padEnd(width))} ${printable(String(value))}`);
  process.stdout.write(lines.join('\n') + '\n');
}

/** One human line on stdout, for commands whose result is a confirmation rather than data. */
export function printLine(text: string): void {
  process.stdout.write(printable(text) + '\n');
}

export function printUser(user: User, options: { json: boolean; admin?: boolean; verification?: boolean }): void {
  if (options.json) return printJson(user);
  const verified = user.email_verified ? `yes (${formatTime(user.email_verified_at ?? user.created_at)})` : 'no';
  printFields([...userFields(user, options.admin === true), ...(options.verification ? [['email verified', verified] as const] : [])]);
}

/** `active` is shown to admins only: any account that can run `authcli me` is active. */
function userFields(user: User, withActive = false): Array<readonly [string, string | number | null]> {
  return [
    ['id', user.id],
    ['email', user.email],
    ['full name', user.full_name],
    ['role', user.role],
    ...(withActive ? [['active', yesNo(user.is_active)] as const] : []),
    ['created', formatTime(user.created_at)],
  ];
}

type Cell = string | number | boolean | null;

/**
 * Columns padded to their widest cell, two spaces apart, headers in capitals
 * (as `kubectl get` and `docker ps` print them). The last column is not
 * padded, so free text there (a user agent) never adds trailing blanks.
 */
export function printTable(headers: readonly string[], rows: ReadonlyArray<readonly Cell[]>): void {
  const text = [headers.map((header) => header.toUpperCase()), ...rows.map((row) => row.map(cellText))];
  const widths = headers.map((_, column) => Math.max(...text.map((row) => (row[column] ?? '').length)));
  const lines = text.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ').trimEnd());
  const [head = '', ...body] = lines;
  process.stdout.write([paint(process.stdout, '1', head), ...body].join('\n') + '\n');
}

/** One page of a list: its table (none when the page is empty), then where it sits in the whole. */
export function printPage(noun: string, page: { offset: number; total: number }, headers: readonly string[], rows: ReadonlyArray<readonly Cell[]>): void {
  if (rows.length > 0) printTable(headers, rows);
  printPageSummary(noun, page.offset, rows.length, page.total);
}

/** Under a table of one page: where it sits in the whole, and how to get the next. */
function printPageSummary(noun: string, offset: number, shown: number, total: number): void {
  if (shown === 0) return printLine(total === 0 ? `No ${noun}.` : `No ${noun} at offset ${offset}; there are ${total}.`);
  const next = offset + shown < total ? `; next page: --offset ${offset + shown}` : '';
  printLine(`${noun} ${offset + 1}-${offset + shown} of ${total}${next}`);
}

function cellText(cell: Cell): string {
  if (cell === null) return '-';
  return typeof cell === 'boolean' ? yesNo(cell) : printable(String(cell));
}

function yesNo(value: boolean): string {
  return value ? 'yes' : 'no';
}

/** `2025-11-26 05:21 UTC`: readable, unambiguous, and the same on every machine. Seconds for logs, where order matters. */
export function formatTime(iso: string, precision: 'minutes' | 'seconds' = 'minutes'): string {
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return iso;
  const pattern = precision === 'minutes' ? /:\d\d(\.\d+)?Z$/ : /(\.\d+)?Z$/;
  return time.toISOString().replace('T', ' ').replace(pattern, ' UTC');
}

/** Errors go to stderr, never with a stack: the message and its detail lines are written for people. */
export function printError(error: Pick<CliError, 'message' | 'details'>): void {
  // The message may quote the server (a problem's detail), so it is made printable like any output.
  const lines = [`${paint(process.stderr, '31', 'error:')} ${printable(error.message)}`, ...error.details.map((line) => `  ${printable(line)}`)];
  process.stderr.write(lines.join('\n') + '\n');
}

