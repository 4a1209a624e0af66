import { unzipSync } from 'node:zlib';
import { isJsonMedia, presentsLiveCredential, type FuzzCase, type Rendered } from './cases.js';
import { MAX_HEADER_BYTES, type WireResponse } from './http.js';
import type { SchemaValidator } from './schema-validator.js';
import { isRecord, matchSpecPath, type ApiModel, type Operation, type ResponseSpec, type Schema } from './spec.js';

export interface Exchange {
  /** Undefined for requests outside the spec. */
  op: Operation | undefined;
  c: FuzzCase;
  rendered: Rendered;
  response: WireResponse;
  headerBytes: number;
}

/** What no response body may carry; a match only counts when the request did not contain the same text. */
const LEAKS: [what: string, pattern: RegExp][] = [
  ['a stack trace', /\n\s+at |\bat (?:async )?[\w.$<>]+ \(|\.(?:[cm]?js|ts):\d+:\d+/],
  ['a file path', /(?:\/(?:home|work|tmp|usr|var|root|opt|srv|app)\/|node_modules|file:\/\/|[A-Za-z]:\\\\)/],
  ['SQL', /\b(?:select\s[\s\S]*\sfrom|insert\s+into|update\s+\S+\s+set|delete\s+from)\s|\bSQLITE_|\bsqlite3?\b|syntax error at or near|violates [\w-]+ constraint|duplicate key value|\bSQLSTATE\b/i],
  ['a library name', /\b(?:koa|express|openapi-validator|ajv|mikro-?orm|knex|bcrypt|jsonwebtoken|pino|zlib|pg-protocol|node-postgres|undici)\b/i],
  ['a JavaScript error', /\b(?:TypeError|ReferenceError|RangeError|SyntaxError)\b|Cannot read propert|is not a function|of undefined\b/],
];

/** Every way the response breaks the contract (empty when it holds). */
export function judge(exchange: Exchange, api: ApiModel, validator: SchemaValidator): string[] {
  const { op, c, rendered, response, headerBytes } = exchange;
  const status = response.status;
  const found: string[] = [];
  if (status >= 500) found.push(`status ${status}`);
  found.push(...leaks(response.body, requestText(rendered)));

  // Node's own answers, sent before any of our code runs and without a body: 431 for a header section over
  // its limit, 400 for bytes on the connection that are not HTTP.
  if (headerBytes > MAX_HEADER_BYTES) {
    if (status !== 431) found.push(`headers of ${headerBytes} bytes got ${status}, not Node's 431`);
    return found;
  }
  if (c.garbage !== undefined && status === 400 && response.body === '') return found;

  const problem = parseProblem(response);
  if (op === undefined) return [...found, ...judgeOutsideTheSpec(exchange, api, validator, problem)];

  // Every status is documented per operation, body-parser answers included: the server reads a body only for an
  // operation that takes one, after routing and authentication.
  const documented = responseFor(op, status);
  if (!documented) {
    found.push(`status ${status} is not documented for ${op.operationId}${problem ? ` (code ${String(problem.code)})` : ''}`);
  } else if (c.method !== 'HEAD') {
    found.push(...judgeBody(response, documented, validator), ...judgeHeaders(response, documented, validator));
  }
  if (status === 401 && !response.headers['www-authenticate']) found.push('a 401 without WWW-Authenticate');

  // Authentication comes first: without a credential that works, only a 401 may answer an operation that needs
  // one; never a 400/403/404/413/422 that tells something about the target or made the server read the body.
  if (op.requiresAuth && !presentsLiveCredential(c.auth) && status !== 401) {
    found.push(`answered ${status} to a request without a working token`);
  }
  const acceptable = bodyConforms(op, rendered, validator);
  // A request that conforms to the contract is never refused as malformed.
  if (c.kind === 'valid' && acceptable && (status === 400 || status === 415 || (status === 422 && problem?.code === 'validation_failed'))) {
    found.push(`refused a request that conforms to the spec: ${status} ${JSON.stringify(problem?.errors ?? problem?.code)}`);
  }
  // A body that breaks the contract is never accepted.
  if (!acceptable && status >= 200 && status < 300) found.push(`accepted (${status}) a body that breaks the spec`);
  return found;
}

function judgeOutsideTheSpec(
  exchange: Exchange,
  api: ApiModel,
  validator: SchemaValidator,
  problem: Record<string, unknown> | undefined,
): string[] {
  const { rendered, response } = exchange;
  const template = matchSpecPath(api, rendered.path);
  const expected = template === undefined ? 404 : 405;
  const found: string[] = [];
  // Routing comes before the body is read: no body changes a 404 or 405.
  if (response.status !== expected) found.push(`${rendered.method} ${rendered.path} got ${response.status}, expected ${expected}`);
  if (response.status === 405 && template !== undefined) {
    const allow = String(response.headers.allow ?? '').split(/,\s*/).filter(Boolean).sort().join(', ');
    const methods = [...(api.methodsByPath.get(template) ?? [])].sort().join(', ');
    if (allow !== methods) found.push(`405 with Allow "${allow}", expected "${methods}"`);
  }
  if (exchange.c.method !== 'HEAD') {
    found.push(...judgeBody(response, { content: new Map([['application/problem+json', api.problemSchema]]), headers: new Map() }, validator));
  }
  if (problem && problem.status !== response.status) found.push(`problem.status ${String(problem.status)} on a ${response.status}`);
  return found;
}

function responseFor(op: Operation, status: number): ResponseSpec | undefined {
  return op.responses.get(String(status)) ?? op.responses.get(`${String(status)[0]}XX`) ?? op.responses.get('default');
}

function judgeBody(response: WireResponse, documented: ResponseSpec, validator: SchemaValidator): string[] {
  if (documented.content.size === 0) return response.body === '' ? [] : [`a ${response.status} documented without a body has one`];
  const mediaType = mediaTypeOf(response.headers['content-type']);
  const schema = documented.content.get(mediaType);
  if (!schema) return [`Content-Type "${mediaType}" is not documented for ${response.status} (${[...documented.content.keys()].join(', ')})`];
  if (!isJsonMedia(mediaType)) return validator.errors(schema, response.body).map((e) => `body: ${e}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.body);
  } catch {
    return [`a ${mediaType} body that is not JSON: ${response.body.slice(0, 80)}`];
  }
  const found = validator.errors(schema, parsed).map((e) => `body${e}`);
  if (mediaType === 'application/problem+json' && isRecord(parsed) && parsed.status !== response.status) {
    found.push(`problem.status ${String(parsed.status)} on a ${response.status}`);
  }
  return found;
}

function judgeHeaders(response: WireResponse, documented: ResponseSpec, validator: SchemaValidator): string[] {
  const found: string[] = [];
  for (const [name, schema] of documented.headers) {
    const raw = response.headers[name];
    if (raw === undefined) continue;
    const text = Array.isArray(raw) ? raw.join(', ') : raw;
    const value = schema.type === 'integer' || schema.type === 'number' ? (/^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text) : text;
    found.push(...validator.errors(schema, value).map((e) => `header ${name}: ${e}`));
  }
  return found;
}

/** Whether the body is one the operation documents: its media type, and a value that conforms to the schema. */
function bodyConforms(op: Operation, rendered: Rendered, validator: SchemaValidator): boolean {
  const spec = op.requestBody;
  if (!spec) return true;
  if (rendered.body === undefined || rendered.body.length === 0) return !spec.required;
  const mediaType = mediaTypeOf(rendered.headers['content-type']);
  const schema: Schema | undefined = spec.content.get(mediaType);
  if (!schema) return false;
  let bytes = rendered.body;
  const encoding = rendered.headers['content-encoding'];
  if (encoding === 'gzip' || encoding === 'deflate') {
    try {
      bytes = unzipSync(bytes);
    } catch {
      return false;
    }
  } else if (encoding !== undefined && encoding !== 'identity') return false;
  const text = bytes.toString('utf8');
  if (mediaType === 'application/x-www-form-urlencoded') {
    const form: Record<string, string | string[]> = {};
    for (const [key, value] of new URLSearchParams(text)) {
      const before = form[key];
      form[key] = before === undefined ? value : [...(Array.isArray(before) ? before : [before]), value];
    }
    // qs (the server's form parser) reads brackets as nesting; such bodies are judged by the server alone.
    if (Object.keys(form).some((key) => /[[\]]/.test(key))) return true;
    return validator.conforms(schema, form);
  }
  if (!isJsonMedia(mediaType)) return true;
  try {
    return validator.conforms(schema, JSON.parse(text));
  } catch {
    return false;
  }
}

function parseProblem(response: WireResponse): Record<string, unknown> | undefined {
  if (mediaTypeOf(response.headers['content-type']) !== 'application/problem+json') return undefined;
  try {
    const parsed: unknown = JSON.parse(response.body);
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export function mediaTypeOf(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? (header[0] ?? '') : (header ?? '');
  return (value.split(';')[0] ?? '').trim().toLowerCase();
}

/** Everything the request said, raw and decoded piece by piece (a response may echo a query parameter's name). */
function requestText(rendered: Rendered): string {
  const body = rendered.body?.toString('utf8') ?? '';
  const pieces = `${rendered.path}&${body}`.split(/[/?&=]/).map((piece) => {
    try {
      return decodeURIComponent(piece.replaceAll('+', ' '));
    } catch {
      return piece; // deliberately malformed: the raw form is all there is
    }
  });
  return [rendered.path, body, ...pieces, ...Object.entries(rendered.headers).flat()].join('\n').toLowerCase();
}

function leaks(body: string, request: string): string[] {
  const found: string[] = [];
  for (const [what, pattern] of LEAKS) {
    const match = pattern.exec(body);
    if (match && !request.includes(match[0].toLowerCase())) found.push(`the body shows ${what}: "${match[0]}"`);
  }
  return found;
}
