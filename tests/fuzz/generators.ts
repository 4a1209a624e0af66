import fc from 'fast-check';
import { hintFor, jsonArb, Nested, number, Raw, Ref, schemaArb, typeOf, valueArb, wrongTypeArb, type Value } from './arbitraries.js';
import {
  IDENTITY_NAMES,
  isJsonMedia,
  isPlainObject,
  MANGLES,
  type AuthSpec,
  type BodySpec,
  type FuzzCase,
  type IdentityName,
  type QueryPart,
} from './cases.js';
import { isRecord, matchSpecPath, type ApiModel, type Operation, type Schema } from './spec.js';

/** Every case for one operation: requests that conform to the spec, mutants of them, and noise. */
export function operationCaseArb(op: Operation): fc.Arbitrary<FuzzCase> {
  const valid = validCaseArb(op);
  return fc.oneof(
    { weight: 4, arbitrary: valid },
    { weight: 4, arbitrary: valid.chain((base) => fc.oneof(...mutations(op, base))) },
    { weight: 2, arbitrary: valid.chain((base) => fc.oneof(...noise(op, base))) },
  );
}

function validCaseArb(op: Operation): fc.Arbitrary<FuzzCase> {
  const parameters = (location: 'path' | 'query' | 'header') => op.parameters.filter((p) => p.in === location);
  const path = fc
    .tuple(...parameters('path').map((p) => valueArb(p.schema, p.name).map((value): [string, Value] => [p.name, value])))
    .map((entries): Record<string, Value | Raw> => Object.fromEntries(entries));
  const query = fc
    .tuple(
      ...parameters('query').map((p) => {
        const part = valueArb(p.schema, p.name).map((value): QueryPart => [p.name, value]);
        return p.required ? part : fc.option(part, { nil: undefined });
      }),
    )
    .map((parts) => parts.filter((part): part is QueryPart => part !== undefined));
  const headers = fc
    .tuple(
      ...parameters('header').map((p) => {
        const entry = schemaArb(p.schema).map((value): [string, string] => [p.name, String(value)]);
        // Half the cases leave an optional header out (fast-check's default keeps it four times in five), so the
        // ordinary path is reached as often as the one the header switches on (cookie mode).
        return p.required ? entry : fc.option(entry, { nil: undefined, freq: 2 });
      }),
    )
    .map((entries): Record<string, string> => Object.fromEntries(entries.filter((entry) => entry !== undefined)));
  const body = op.requestBody ? validBodyArb(op.requestBody.content) : fc.constant(undefined);
  return fc
    .record({ auth: validAuthArb(op), sameSubject: fc.boolean(), other: fc.constantFrom(...IDENTITY_NAMES), path, query, headers, body })
    .map(({ auth, sameSubject, other, ...request }): FuzzCase => ({
      kind: 'valid',
      what: 'conforms to the spec',
      subject: sameSubject && auth.kind === 'identity' ? auth.who : other,
      auth,
      method: op.method,
      ...request,
    }));
}

function validAuthArb(op: Operation): fc.Arbitrary<AuthSpec> {
  if (!op.requiresAuth) return fc.constant({ kind: 'none' });
  const adminOnly = op.scopes.includes('admin');
  return fc
    .oneof({ weight: adminOnly ? 3 : 1, arbitrary: fc.constant<IdentityName>('admin') }, { weight: adminOnly ? 1 : 3, arbitrary: fc.constant<IdentityName>('member') })
    .map((who): AuthSpec => ({ kind: 'identity', who }));
}

function validBodyArb(content: Map<string, Schema>): fc.Arbitrary<BodySpec> {
  return fc.oneof(
    ...[...content].map(([mediaType, schema]): fc.Arbitrary<BodySpec> => {
      if (isJsonMedia(mediaType)) return valueArb(schema).map((value) => ({ kind: 'json', value, contentType: mediaType }));
      if (mediaType === 'application/x-www-form-urlencoded') {
        return valueArb(schema).map((value) => ({ kind: 'form', fields: isPlainObject(value) ? Object.entries(value) : [], contentType: mediaType }));
      }
      return schemaArb(schema).map((value) => ({ kind: 'text', text: typeof value === 'string' ? value : JSON.stringify(value), contentType: mediaType }));
    }),
  );
}
type Mutation = fc.Arbitrary<FuzzCase>;

/** Mutants: one thing wrong with an otherwise valid request. */
function mutations(op: Operation, base: FuzzCase): Mutation[] {
  const found: Mutation[] = [...queryMutations(op, base), ...pathMutations(op, base)];
  const body = base.body;
  if (body?.kind === 'json' && op.requestBody) {
    const schema = op.requestBody.content.get(body.contentType ?? '') ?? {};
    found.push(...jsonBodyMutations(base, body, schema));
  }
  if (body?.kind === 'form') found.push(...formMutations(base, body));
  if (found.length === 0) found.push(fc.constant(mutant(base, 'an unknown query parameter', { query: [...base.query, ['debug', 'true']] })));
  return found;
}

function mutant(base: FuzzCase, what: string, change: Partial<FuzzCase>): FuzzCase {
  return { ...base, ...change, kind: 'mutant', what };
}

function withBody(base: FuzzCase, what: string, body: BodySpec | undefined): FuzzCase {
  return mutant(base, what, { body });
}

const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'] as const;
const LONE_SURROGATES = ['\ud800', '\udbff', '\udc00', '\udfff'] as const;

function jsonBodyMutations(base: FuzzCase, body: Extract<BodySpec, { kind: 'json' }>, schema: Schema): Mutation[] {
  const value = body.value;
  const set = (what: string, object: { [key: string]: Value }) => withBody(base, what, { ...body, value: object });
  const found: Mutation[] = [
    wrongTypeArb(schema).map((wrong) => withBody(base, 'a wrong type for the whole body', { ...body, value: wrong })),
    fc.constant(withBody(base, 'no body at all', undefined)),
    fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/octet-stream').map((contentType) =>
      withBody(base, 'a JSON body sent as another media type', { ...body, contentType }),
    ),
    fc.integer({ min: 2, max: 4000 }).chain((depth) => fc.boolean().map((asObject) => withBody(base, 'deep nesting', { ...body, value: new Nested(depth, asObject) }))),
  ];
  if (!isPlainObject(value)) return found;
  const properties = isRecord(schema.properties) ? schema.properties : {};
  const propertySchema = (name: string): Schema => {
    const found = properties[name];
    return isRecord(found) ? found : {};
  };
  const names = Object.keys(properties);
  const present = Object.keys(value);
  const required = Array.isArray(schema.required) ? schema.required.filter((k): k is string => typeof k === 'string' && k in value) : [];
  const strings = names.filter((name) => typeOf(propertySchema(name)) === 'string');
  const replace = (name: string, replacement: Value) => Object.fromEntries([...Object.entries(value).filter(([key]) => key !== name), [name, replacement]]);

  found.push(fc.constant(set('an empty object', {})));
  if (required.length > 0) {
    found.push(fc.constantFrom(...required).map((name) => set('a dropped required field', Object.fromEntries(Object.entries(value).filter(([key]) => key !== name)))));
  }
  if (names.length > 0) {
    found.push(
      fc.constantFrom(...names).chain((name) => wrongTypeArb(propertySchema(name)).map((wrong) => set('a wrong type', replace(name, wrong)))),
      fc
        .tuple(fc.constantFrom(...names), fc.integer({ min: 2, max: 2000 }), fc.boolean())
        .map(([name, depth, asObject]) => set('deep nesting', replace(name, new Nested(depth, asObject)))),
    );
  }
  found.push(
    fc
      .tuple(fc.oneof(fc.constantFrom('role', 'id', 'is_admin', 'is_active', 'password_hash', 'email '), fc.string({ minLength: 1, maxLength: 10 })), jsonArb(1))
      .filter(([key]) => !(key in properties))
      .map(([key, extra]) => set('an extra key', { ...value, [key]: extra })),
    fc
      .tuple(fc.constantFrom(...PROTOTYPE_KEYS), fc.constantFrom<Value>({ role: 'admin' }, { prototype: { role: 'admin' } }, 'admin', null))
      // fromEntries makes `__proto__` an own key, so it reaches the wire (an object literal would set the prototype).
      .map(([key, extra]) => set(`a "${key}" key`, Object.fromEntries([...Object.entries(value), [key, extra]]))),
  );
  if (strings.length > 0) {
    const inserted = (what: string, piece: fc.Arbitrary<string>) =>
      fc.tuple(fc.constantFrom(...strings), piece, fc.nat()).map(([name, insert, at]) => {
        const current = value[name];
        const text = typeof current === 'string' ? current : 'text';
        const position = at % (text.length + 1);
        return set(what, replace(name, text.slice(0, position) + insert + text.slice(position)));
      });
    found.push(
      inserted('a NUL byte', fc.constant('\u0000')),
      inserted('a lone surrogate', fc.constantFrom(...LONE_SURROGATES)),
      fc.constantFrom(...strings).chain((name) => {
        const max = number(propertySchema(name).maxLength) ?? 256;
        return fc.integer({ min: max + 1, max: max * 2 + 16 }).map((length) => set('an oversize string', replace(name, 'x'.repeat(length))));
      }),
    );
  }
  const notNullable = names.filter((name) => propertySchema(name).nullable !== true);
  if (notNullable.length > 0) {
    found.push(fc.constantFrom(...notNullable).map((name) => set('null where null is not allowed', replace(name, null))));
  }
  const integers = names.filter((name) => typeOf(propertySchema(name)) === 'integer' || typeOf(propertySchema(name)) === 'number');
  if (integers.length > 0) {
    found.push(
      fc.constantFrom(...integers).chain((name) => {
        const s = propertySchema(name);
        const edges = [(number(s.minimum) ?? 0) - 1, (number(s.maximum) ?? 2 ** 53) + 1, 2 ** 53, -0, 0.5, 1e308, -1e308];
        return fc.constantFrom(...edges).map((edge) => set('a number past its bounds', replace(name, edge)));
      }),
    );
  }
  const enums = names.filter((name) => Array.isArray(propertySchema(name).enum));
  if (enums.length > 0) {
    found.push(
      fc.tuple(fc.constantFrom(...enums), fc.constantFrom('ADMIN', 'Admin', ' admin', 'member ', '', 'root', 'superuser')).map(([name, miss]) => set('a value outside the enum', replace(name, miss))),
    );
  }
  if (present.length > 0) {
    found.push(fc.constantFrom(...present).map((name) => set('a key in another case', Object.fromEntries(Object.entries(value).map(([key, v]) => [key === name ? key.toUpperCase() : key, v])))));
  }
  return found;
}

function formMutations(base: FuzzCase, body: Extract<BodySpec, { kind: 'form' }>): Mutation[] {
  const fields = body.fields;
  const set = (what: string, changed: [string, Value][]) => withBody(base, what, { ...body, fields: changed });
  const names = fields.map(([name]) => name);
  const found: Mutation[] = [
    fc.constant(set('no fields', [])),
    fc.tuple(fc.string({ minLength: 1, maxLength: 10 }), fc.string({ maxLength: 10 })).map(([key, text]) => set('an extra key', [...fields, [key, text]])),
    fc.constantFrom('__proto__[role]', 'constructor[prototype][role]', '__proto__', 'username[0]', 'password[a]', 'username[]').map((key) => set('a bracketed or prototype key', [...fields, [key, 'admin']])),
    fc.constant(withBody(base, 'a form sent as JSON', { kind: 'json', value: Object.fromEntries(fields), contentType: 'application/json' })),
  ];
  if (names.length > 0) {
    found.push(
      fc.constantFrom(...names).map((name) => set('a dropped field', fields.filter(([key]) => key !== name))),
      fc.constantFrom(...names).map((name) => set('a repeated field', [...fields, [name, 'again']])),
      fc.tuple(fc.constantFrom(...names), fc.constantFrom('\u0000', ...LONE_SURROGATES, 'x'.repeat(1100))).map(([name, text]) =>
        set('an odd field value', fields.map(([key, v]): [string, Value] => [key, key === name ? text : v])),
      ),
    );
  }
  return found;
}

const ODD_SEGMENTS = [
  '0', '-1', '1.5', '1e3', '0x10', '%201', '01', 'abc', 'null', 'undefined', 'NaN', 'Infinity', 'true', '%00', '%E0%A4%A', '%ED%A0%80',
  '%C0%AF', '%2F', '%2e%2e', '..', '.', '%20', '%25', '~', '9007199254740992', '99999999999999999999999', '-9007199254740992', '%F0%9F%92%A9',
  '2147483648', '4294967296', '1%00', "1'", '1;', '1--', '[]', '{}',
] as const;

function pathMutations(op: Operation, base: FuzzCase): Mutation[] {
  const parameters = op.parameters.filter((p) => p.in === 'path');
  const names = parameters.map((p) => p.name);
  if (names.length === 0) return [];
  // Real UUIDs spelled differently: RFC 9562 makes them case-insensitive, and `format: uuid` admits a `urn:uuid:`.
  const respelled = parameters.flatMap((p) => {
    const field = hintFor(p.name);
    return p.schema.format === 'uuid' && field ? [{ name: p.name, field }] : [];
  });
  const uuidSpellings = fc.uuid().chain((uuid) =>
    fc.constantFrom(uuid.toUpperCase(), `urn:uuid:${uuid}`, `{${uuid}}`, uuid.replaceAll('-', ''), uuid.slice(0, 35), `${uuid}0`, uuid.replace(/^./, 'g')),
  );
  const segment = fc.oneof(
    fc.constantFrom(...ODD_SEGMENTS),
    uuidSpellings.map((text) => encodeURIComponent(text)),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).map((text) => encodeURIComponent(text)),
    fc.integer({ min: 300, max: 2000 }).map((length) => '9'.repeat(length)),
  );
  const found = [fc.tuple(fc.constantFrom(...names), segment).map(([name, text]) => mutant(base, 'a malformed path parameter', { path: { ...base.path, [name]: new Raw(text) } }))];
  if (respelled.length > 0) {
    found.push(
      fc.tuple(fc.constantFrom(...respelled), fc.constantFrom<'upper' | 'urn'>('upper', 'urn')).map(([{ name, field }, spelling]) =>
        mutant(base, 'a real id spelled another way', { path: { ...base.path, [name]: new Ref(field, spelling) } }),
      ),
    );
  }
  return found;
}

const ODD_QUERY_NAMES = ['access_token', '_', 'callback', 'debug', '__proto__', 'constructor', 'hasOwnProperty', 'toString', 'valueOf', 'a[b]', 'limit[]', 'x.y'] as const;

function queryMutations(op: Operation, base: FuzzCase): Mutation[] {
  const declared = op.parameters.filter((p) => p.in === 'query');
  const found: Mutation[] = [
    fc
      .tuple(fc.oneof(fc.constantFrom(...ODD_QUERY_NAMES), fc.string({ minLength: 1, maxLength: 12 })), fc.string({ maxLength: 12 }))
      .filter(([name]) => !declared.some((p) => p.name === name))
      .map(([name, value]) => mutant(base, 'an unknown query parameter', { query: [...base.query, [name, value]] })),
    fc
      .constantFrom('%', '%zz', '&&&', '=', '==', '%E0%A4%A=1', 'a=%ED%A0%80', '%00=%00', '&=&', '+=+')
      .map((text) => mutant(base, 'a malformed query string', { query: [...base.query, [new Raw(text), new Raw('')]] })),
  ];
  if (declared.length > 0) {
    const names = declared.map((p) => p.name);
    found.push(
      fc
        .tuple(fc.constantFrom(...names), fc.oneof(fc.constantFrom(...ODD_SEGMENTS), fc.string({ maxLength: 12 }).map(encodeURIComponent)))
        .map(([name, text]) => mutant(base, 'a malformed query parameter', { query: [...base.query.filter(([n]) => n !== name), [name, new Raw(text)]] })),
      fc.tuple(fc.constantFrom(...names), jsonArb(0)).map(([name, again]) =>
        mutant(base, 'a repeated query parameter', { query: [...base.query, [name, again], [name, again]] }),
      ),
      fc.constantFrom(...names).map((name) => mutant(base, 'an empty query parameter', { query: [...base.query.filter(([n]) => n !== name), [name, new Raw('')]] })),
      fc.constantFrom(...names).map((name) => mutant(base, 'a query parameter past its bounds', { query: [...base.query.filter(([n]) => n !== name), [name, pastBounds(declared.find((p) => p.name === name)?.schema ?? {})]] })),
    );
  }
  return found;
}

function pastBounds(schema: Schema): Value {
  const minimum = number(schema.minimum);
  if (minimum !== undefined) return minimum - 1;
  const maximum = number(schema.maximum);
  if (maximum !== undefined) return maximum + 1;
  const maxLength = number(schema.maxLength);
  if (maxLength !== undefined) return 'x'.repeat(maxLength + 1);
  return schema.type === 'string' ? '' : 'x';
}

const ODD_CONTENT_TYPES = [
  null, 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1',
  'application/json; charset=utf-16', 'application/json; charset=nope', 'APPLICATION/JSON', 'application/json;;', 'application/json; =',
  '*/*', 'application/problem+json', 'application/vnd.api+json', 'application/merge-patch+json', 'application/json-patch+json', 'json', '',
  'text/json', 'application/xml', 'application/x-www-form-urlencoded; charset=latin1', 'multipart/mixed',
] as const;

const BROKEN_JSON = [
  '{', '}', '{"a":', '{"a":1,}', "{'a':1}", '{"a":NaN}', '{"a":1}garbage', '\uFEFF{}', 'null', 'true', '1', '""', '[', '[]', '{"a":1}{"b":2}',
  '/* c */{}', '{"a":"\\x41"}', '{"a":"\\u12"}', '{"a":"\\ud800"}', ' ', '\n', '{"__proto__":{"role":"admin"}}', '{"constructor":{"prototype":{"role":"admin"}}}',
  '{"email":"a@b.co","email":"c@d.co"}', '{"a":1e999}', '{"a":-0}', '{"a":123456789012345678901234567890}', '\u0000', '{"a":"\u0000"}',
] as const;

const INVALID_UTF8 = ['c3', 'fffe', 'eda080', '7b2261223a22ff227d', 'c0af', 'f4908080', '7b22656d61696c223a2261c0af40622e636f227d'] as const;

const HEADER_NAMES = [
  'User-Agent', 'X-Forwarded-For', 'X-Real-IP', 'Forwarded', 'X-Request-Id', 'Accept', 'Accept-Language', 'Accept-Charset', 'Origin', 'Referer',
  'Cookie', 'X-HTTP-Method-Override', 'X-Forwarded-Proto', 'X-Forwarded-Host', 'If-None-Match', 'Range', 'Content-Language', 'X-Original-URL',
] as const;

/** Header values Node will send: tab, printable ASCII and Latin-1 (no CR, LF or NUL). */
const HEADER_VALUE = fc.string({ unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.constant(0x09), fc.integer({ min: 0x80, max: 0xff })).map((code) => String.fromCharCode(code)), maxLength: 64 });
const HEADER_TOKEN = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,20}$/);

const RAW_AUTHORIZATIONS = [
  '', 'Bearer', 'Bearer ', 'Bearer null', 'Bearer undefined', 'Basic dXNlcjpwYXNz', 'Digest username="a"', 'Bearer a.b.c', 'Bearer eyJhbGciOiJub25lIn0.e30.',
  `Bearer ${'A'.repeat(8000)}`, 'Bearer ....', 'Bearer ====', 'Bearer\t', 'Negotiate YII=', 'Bearer eyJ', 'Bearer %00', 'Token abc',
] as const;

export function oddAuthArb(): fc.Arbitrary<AuthSpec> {
  return fc.oneof(
    fc.constant<AuthSpec>({ kind: 'none' }),
    fc.record({ who: fc.constantFrom(...IDENTITY_NAMES), how: fc.constantFrom(...MANGLES) }).map(({ who, how }): AuthSpec => ({ kind: 'mangled', who, how })),
    fc.oneof(fc.constantFrom(...RAW_AUTHORIZATIONS), HEADER_VALUE, HEADER_VALUE.map((text) => `Bearer ${text}`)).map((value): AuthSpec => ({ kind: 'raw', value })),
  );
}

/** Noise: requests no client of the contract would send. */
function noise(op: Operation, base: FuzzCase): fc.Arbitrary<FuzzCase>[] {
  const make = (what: string, change: Partial<FuzzCase>): FuzzCase => ({ ...base, ...change, kind: 'noise', what });
  const jsonBody = base.body?.kind === 'json' ? base.body : { kind: 'json' as const, value: {}, contentType: 'application/json' };
  const found: fc.Arbitrary<FuzzCase>[] = [];
  if (op.method === 'GET') found.push(fc.constant(make('the same request as HEAD', { method: 'HEAD' })));
  found.push(
    jsonArb().map((value) => make('arbitrary JSON', { body: { kind: 'json', value, contentType: 'application/json' } })),
    fc.oneof(fc.constantFrom(...BROKEN_JSON), fc.string({ unit: 'binary', maxLength: 30 }), fc.constant(JSON.stringify(jsonBody.value).slice(0, -1)))
      .map((text) => make('broken JSON', { body: { kind: 'text', text, contentType: 'application/json' } })),
    fc.constantFrom(...INVALID_UTF8).map((hex) => make('invalid UTF-8', { body: { kind: 'bytes', hex, contentType: 'application/json' } })),
    fc.constantFrom(...ODD_CONTENT_TYPES).map((contentType) => make('a wrong or missing Content-Type', { body: { ...jsonBody, contentType } })),
    fc.integer({ min: 17 * 1024, max: 64 * 1024 }).map((length) => make('a body over the size limit', { body: { kind: 'text', text: `{"a":"${'x'.repeat(length)}"}`, contentType: 'application/json' } })),
    fc.constantFrom<'gzip' | 'deflate'>('gzip', 'deflate').map((encoding) => make('a compressed body', { body: { ...jsonBody, encoding } })),
    fc.constantFrom('gzip', 'deflate', 'br', 'compress', 'identity', 'x-nope', 'gzip, gzip').map((encoding) => make('a Content-Encoding the body does not have', { headers: { ...base.headers, 'Content-Encoding': encoding }, body: jsonBody })),
    fc.oneof(
      fc.integer({ min: 1024, max: 12 * 1024 }).map((length) => ({ 'X-Fuzz-Padding': 'p'.repeat(length) })),
      fc.integer({ min: 20, max: 200 }).map((count) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`X-Fuzz-${i}`, 'v'.repeat(40)]))),
    ).map((headers) => make('huge headers', { headers: { ...base.headers, ...headers } })),
    fc.dictionary(fc.oneof(fc.constantFrom(...HEADER_NAMES), HEADER_TOKEN), fc.oneof(HEADER_VALUE, fc.constantFrom('../../etc/passwd', '127.0.0.1, 10.0.0.1', 'a'.repeat(4000), 'DELETE', '*')), { minKeys: 1, maxKeys: 6 })
      .map((headers) => make('odd headers', { headers: { ...base.headers, ...headers } })),
    oddAuthArb().map((auth) => make('an odd Authorization header', { auth })),
    ...(op.parameters.some((parameter) => parameter.name === 'X-Token-Transport') ? [cookieModeArb(base, make)] : []),
    // Node answers 431 itself, before any of our code runs.
    fc.integer({ min: 17 * 1024, max: 24 * 1024 }).map((length) => make('headers over 16 KiB', { headers: { ...base.headers, 'X-Fuzz-Padding': 'p'.repeat(length) } })),
    fc.constantFrom('\u0000\u0001\u0002', 'GARBAGE\r\n\r\n', 'GET / HTTP/1.1\r\nHost\r\n\r\n', '\r\n\r\n\r\n', 'POST /api HTTP/9.9\r\n\r\n', '{"a":1}')
      .map((garbage) => make('a malformed request after this one', { garbage })),
  );
  return found;
}

/**
 * Cookie mode misused: the switch with no Origin, a foreign or opaque one; a forged, odd or missing refresh cookie;
 * the cookie without the switch (a cross-site form's request). None may be read as a session.
 */
function cookieModeArb(base: FuzzCase, make: (what: string, change: Partial<FuzzCase>) => FuzzCase): fc.Arbitrary<FuzzCase> {
  return fc
    .record({
      transport: fc.constantFrom(undefined, 'cookie'),
      origin: fc.constantFrom(undefined, '', 'null', 'http://evil.example', 'https://app.example.com'),
      cookie: fc.option(fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{43}$/), HEADER_VALUE.map((text) => text.replaceAll(';', ''))), { nil: undefined }),
    })
    .map(({ transport, origin, cookie }) => {
      const headers: Record<string, string> = { ...base.headers };
      delete headers['X-Token-Transport'];
      if (transport !== undefined) headers['X-Token-Transport'] = transport;
      if (origin !== undefined) headers.Origin = origin;
      if (cookie !== undefined) headers.Cookie = `authapi_refresh=${cookie}`;
      return make('cookie mode with a missing or forged cookie, a wrong or missing Origin, or no X-Token-Transport', { headers });
    });
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'PATCH', 'PROPFIND'] as const;
/** Served beside the API (server/http/docs.ts), outside the contract by design. */
const DOCS_PREFIXES = ['docs', 'redoc', 'openapi.yaml', 'openapi.json'];

/** Requests outside the spec: other methods on its paths, and paths it does not have. */
export function outsideCaseArb(api: ApiModel): fc.Arbitrary<FuzzCase> {
  const paths = [...api.methodsByPath.keys()];
  const withOtherMethod = fc.constantFrom(...paths).chain((template) => {
    const declared = api.methodsByPath.get(template) ?? [];
    // HEAD is GET without a body (RFC 9110 §9.3.2): the server answers it wherever the spec has GET.
    const taken = declared.includes('GET') ? [...declared, 'HEAD'] : declared;
    return fc.constantFrom(...METHODS.filter((m) => !taken.includes(m))).map((method) => ({ method, path: template.replace(/\{[^}]+\}/g, '1') }));
  });
  const segment = fc.oneof(
    fc.constantFrom('api', 'v1', 'v2', 'users', 'admin', 'me', 'sessions', '..', '%2e%2e', '%00', '~', '%', '%zz', 'index.html', '.env', 'metrics2', 'healthz2'),
    fc.stringMatching(/^[A-Za-z0-9._~-]{1,12}$/),
  );
  const unknownPath = fc
    .tuple(fc.array(segment, { minLength: 1, maxLength: 5 }), fc.constantFrom(...METHODS))
    .map(([segments, method]) => ({ method, path: `/${segments.join('/')}` }))
    .filter(({ path }) => matchSpecPath(api, path) === undefined && !DOCS_PREFIXES.includes(path.split('/')[1] ?? ''));
  return fc
    .tuple(fc.oneof(withOtherMethod, unknownPath), fc.oneof(fc.constant<AuthSpec>({ kind: 'none' }), fc.constantFrom(...IDENTITY_NAMES).map((who): AuthSpec => ({ kind: 'identity', who }))), fc.option(jsonArb(1), { nil: undefined }))
    .map(([{ method, path }, auth, json]): FuzzCase => ({
      kind: 'noise',
      what: 'outside the spec',
      subject: 'member',
      auth,
      method,
      path: { '': new Raw(path) },
      query: [],
      headers: {},
      body: json === undefined || method === 'GET' || method === 'HEAD' ? undefined : { kind: 'json', value: json, contentType: 'application/json' },
    }));
}

/** The spec path template `path` routes to (case-insensitively, a trailing slash allowed, as @koa/router does), if any. */
