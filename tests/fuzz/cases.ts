import { deflateSync, gzipSync } from 'node:zlib';
import { Nested, Raw, Ref, type Value } from './arbitraries.js';
import type { Operation } from './spec.js';

export type IdentityName = 'member' | 'admin';
export const IDENTITY_NAMES: readonly IdentityName[] = ['member', 'admin'];

/** Ways to spoil a real access token. The first three keep it valid; every other one must be refused. */
export const MANGLES = [
  'lower-case scheme',
  'upper-case scheme',
  'extra spaces',
  'no scheme',
  'tab after the scheme',
  'two tokens',
  'one more character',
  'cut short',
  'flipped signature',
  'refresh token instead',
  'as Basic credentials',
  'in the query string instead',
  'in quotes',
  'upper-cased token',
] as const;
export type Mangle = (typeof MANGLES)[number];
export const HARMLESS_MANGLES: ReadonlySet<Mangle> = new Set(['lower-case scheme', 'upper-case scheme', 'extra spaces']);

export type AuthSpec =
  | { kind: 'none' }
  /** A live access token of a real account. */
  | { kind: 'identity'; who: IdentityName }
  | { kind: 'mangled'; who: IdentityName; how: Mangle }
  /** An Authorization header that was never a token of ours. */
  | { kind: 'raw'; value: string };

export type BodySpec =
  | { kind: 'json'; value: Value; contentType: string | null; encoding?: 'gzip' | 'deflate' }
  | { kind: 'form'; fields: [string, Value][]; contentType: string | null }
  | { kind: 'text'; text: string; contentType: string | null }
  | { kind: 'bytes'; hex: string; contentType: string | null };

export type QueryPart = [name: string | Raw, value: Value | Raw];

export interface FuzzCase {
  kind: 'valid' | 'mutant' | 'noise';
  /** Which mutation or noise, for the report. */
  what: string;
  /** The account whose real values the case's Refs stand for. */
  subject: IdentityName;
  auth: AuthSpec;
  method: string;
  /** Path parameters; for requests outside the spec, the whole path as Raw under `''`. */
  path: Record<string, Value | Raw>;
  query: QueryPart[];
  headers: Record<string, string>;
  body?: BodySpec;
  /** Bytes sent after the request on the same connection. */
  garbage?: string;
}

export const OUTSIDE_THE_SPEC = '(outside the spec)';

export function isJsonMedia(mediaType: string): boolean {
  return mediaType === 'application/json' || mediaType.endsWith('+json');
}

export function isPlainObject(value: Value | undefined): value is { [key: string]: Value } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Ref) && !(value instanceof Nested);
}

export interface Identity {
  email: string;
  password: string;
  id: number;
  accessToken: string;
  refreshToken: string;
  sessionId: string;
  /** Live tokens of mailed links, minted for the account as its mails would carry them. */
  resetToken: string;
  verifyToken: string;
}

export interface Rendered {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  garbage?: Buffer;
  /** Every password the request carries, for the log check. */
  passwords: string[];
  /** Every email address it carries: the mail log names recipients, so text inside one is no leak. */
  emails: string[];
}

/** The case as bytes, its Refs filled in from the live accounts. */
export function render(c: FuzzCase, op: Operation | undefined, identities: Record<IdentityName, Identity>): Rendered {
  const subject = identities[c.subject];
  const passwords: string[] = [];
  const emails: string[] = [];
  const resolve = (value: Value | Raw, key?: string): Value | Raw => {
    if (value instanceof Ref) {
      if (value.field !== 'linkToken') return value.spell(subject[value.field]);
      return op?.operationId === 'resetPassword' ? subject.resetToken : subject.verifyToken;
    }
    if (value instanceof Nested) return value.build();
    if (value instanceof Raw || value === null || typeof value !== 'object') {
      if (typeof value === 'string' && key !== undefined && /password/i.test(key)) passwords.push(value);
      if (typeof value === 'string' && key !== undefined && /email/i.test(key)) emails.push(value);
      return value;
    }
    if (Array.isArray(value)) return value.map((item) => resolveValue(item, key));
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveValue(v, k)]));
  };
  const resolveValue = (value: Value, key?: string): Value => {
    const resolved = resolve(value, key);
    return resolved instanceof Raw ? resolved.text : resolved;
  };
  const encode = (value: Value | Raw, key?: string): string => {
    const resolved = resolve(value, key);
    if (resolved instanceof Raw) return resolved.text;
    return encodeStrictly(typeof resolved === 'string' ? resolved : JSON.stringify(resolved));
  };

  const whole = c.path[''];
  const path = whole instanceof Raw ? whole.text : (op?.path ?? '/').replace(/\{([^}]+)\}/g, (_, name: string) => encode(c.path[name] ?? '', name));
  const query: string[] = [];
  for (const [name, value] of c.query) {
    const key = name instanceof Raw ? name.text : encodeStrictly(name);
    const keyName = name instanceof Raw ? name.text : name;
    if (name instanceof Raw && value instanceof Raw && value.text === '') {
      query.push(key); // a malformed query string, sent as written
      continue;
    }
    for (const one of Array.isArray(value) ? value : [value]) query.push(`${key}=${encode(one, keyName)}`);
  }
  const headers: Record<string, string> = { ...c.headers };
  const auth = authorization(c.auth, identities);
  if (auth.header !== undefined) headers.authorization = auth.header;
  if (auth.query !== undefined) query.push(`access_token=${encodeURIComponent(auth.query)}`);

  let body: Buffer | undefined;
  if (c.body) {
    const { bytes, contentType, encoding } = bodyBytes(c.body, resolveValue);
    body = bytes;
    if (contentType !== null) headers['content-type'] = contentType;
    if (encoding) headers['content-encoding'] = encoding;
  }
  return {
    method: c.method,
    path: query.length > 0 ? `${path}?${query.join('&')}` : path,
    headers,
    body,
    garbage: c.garbage === undefined ? undefined : Buffer.from(c.garbage, 'latin1'),
    passwords,
    emails,
  };
}

/**
 * Percent-encodes every RFC 3986 reserved character. encodeURIComponent leaves `!'()*` as they are, and the
 * validator refuses those in a query value: the spec's `allowReserved: false` says clients encode them.
 */
function encodeStrictly(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

function bodyBytes(body: BodySpec, resolve: (value: Value, key?: string) => Value): { bytes: Buffer; contentType: string | null; encoding?: string } {
  switch (body.kind) {
    case 'json': {
      const text = Buffer.from(JSON.stringify(resolve(body.value)) ?? '', 'utf8');
      if (!body.encoding) return { bytes: text, contentType: body.contentType };
      return { bytes: body.encoding === 'gzip' ? gzipSync(text) : deflateSync(text), contentType: body.contentType, encoding: body.encoding };
    }
    case 'form': {
      const form = new URLSearchParams();
      for (const [key, value] of body.fields) {
        const resolved = resolve(value, key);
        form.append(key, typeof resolved === 'string' ? resolved : JSON.stringify(resolved));
      }
      return { bytes: Buffer.from(form.toString(), 'utf8'), contentType: body.contentType };
    }
    case 'text':
      return { bytes: Buffer.from(body.text, 'utf8'), contentType: body.contentType };
    case 'bytes':
      return { bytes: Buffer.from(body.hex, 'hex'), contentType: body.contentType };
  }
}

function authorization(auth: AuthSpec, identities: Record<IdentityName, Identity>): { header?: string; query?: string } {
  switch (auth.kind) {
    case 'none':
      return {};
    case 'raw':
      return { header: auth.value };
    case 'identity':
      return { header: `Bearer ${identities[auth.who].accessToken}` };
    case 'mangled': {
      const { accessToken: token, refreshToken } = identities[auth.who];
      switch (auth.how) {
        case 'lower-case scheme': return { header: `bearer ${token}` };
        case 'upper-case scheme': return { header: `BEARER ${token}` };
        case 'extra spaces': return { header: `Bearer   ${token}  ` };
        case 'no scheme': return { header: token };
        case 'tab after the scheme': return { header: `Bearer\t${token}` };
        case 'two tokens': return { header: `Bearer ${token}, Bearer ${token}` };
        case 'one more character': return { header: `Bearer ${token}A` };
        case 'cut short': return { header: `Bearer ${token.slice(0, -5)}` };
        case 'flipped signature': return { header: `Bearer ${token.slice(0, -2)}${token.at(-2) === 'A' ? 'B' : 'A'}${token.at(-1)}` };
        case 'refresh token instead': return { header: `Bearer ${refreshToken}` };
        case 'as Basic credentials': return { header: `Basic ${Buffer.from(`x:${token}`).toString('base64')}` };
        case 'in the query string instead': return { query: token };
        case 'in quotes': return { header: `Bearer "${token}"` };
        case 'upper-cased token': return { header: `Bearer ${token.toUpperCase()}` };
      }
    }
  }
}

/** Whether the request presents a credential the server must accept (if the account still stands). */
export function presentsLiveCredential(auth: AuthSpec): boolean {
  return auth.kind === 'identity' || (auth.kind === 'mangled' && HARMLESS_MANGLES.has(auth.how));
}

export function usesIdentities(c: FuzzCase): IdentityName[] {
  const used = new Set<IdentityName>([c.subject]);
  if (c.auth.kind === 'identity' || c.auth.kind === 'mangled') used.add(c.auth.who);
  return [...used];
}

