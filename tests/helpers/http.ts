import { expect } from 'vitest';
import type { components } from '../../generated/openapi.js';

type Problem = components['schemas']['Problem'];

/** A response read whole: the status, headers, raw text and (when it parses) the JSON body. */
export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  body: unknown;
}

export interface RawRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

/**
 * Plain fetch, for what the typed client cannot send: unknown fields, raw JSON
 * text, wrong content types, odd headers. Nothing is mocked.
 */
export async function send(baseUrl: string, path: string, init: RawRequest = {}): Promise<RawResponse> {
  const response = await fetch(baseUrl + path, { method: init.method ?? 'GET', headers: init.headers, body: init.body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: parseJson(text) };
}

/** POSTs `json` as it is written: pass a string to send JSON text byte for byte (e.g. a lone `\ud800` escape). */
export function postJson(baseUrl: string, path: string, json: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
  const body = typeof json === 'string' ? json : JSON.stringify(json);
  return send(baseUrl, path, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body });
}

export function postForm(baseUrl: string, path: string, fields: Record<string, string>): Promise<RawResponse> {
  return send(baseUrl, path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isProblem(value: unknown): value is Problem {
  return (
    isRecord(value) &&
    typeof value.type === 'string' &&
    typeof value.title === 'string' &&
    typeof value.status === 'number' &&
    typeof value.detail === 'string' &&
    typeof value.code === 'string'
  );
}

/** Asserts an RFC 9457 problem with this status and code, and returns it typed. */
export function expectProblem(response: RawResponse, status: number, code?: string): Problem {
  expect(response.status, response.text).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json\b/);
  const problem = response.body;
  if (!isProblem(problem)) throw new Error(`not a problem document: ${response.text}`);
  expect(problem.status).toBe(status);
  if (code !== undefined) expect(problem.code).toBe(code);
  return problem;
}

/** Things an error body must never carry: stack frames, file paths, dependency or driver names, SQL. */
export const LEAK_PATTERNS: readonly RegExp[] = [
  /\bat .*[/\\].*:\d+/, // a stack frame: "at fn (/path/file.js:1:2)"
  /node_modules/i,
  /\.(?:ts|js|mjs|cjs):\d+/,
  /\bajv\b/i,
  /sqlite|postgres|violates .* constraint|duplicate key/i,
  /knex|mikro-?orm/i,
  /\b(?:select .* from|insert into|update \w+ set|delete from)\b/i,
  /express-openapi-validator|koa-bodyparser|raw-body|zlib/i,
];

export function expectNoLeak(response: RawResponse): void {
  for (const pattern of LEAK_PATTERNS) expect(response.text, `${pattern} in ${response.text}`).not.toMatch(pattern);
}
