import fc from 'fast-check';
import { isRecord, type Schema } from './spec.js';

/** A field of a real account the fuzzer keeps logged in (see identities.ts). */
export type IdentityField = 'email' | 'password' | 'refreshToken' | 'id' | 'sessionId' | 'linkToken';

/**
 * Stands for a real value of the case's subject account, filled in when the request is sent:
 * cases stay reproducible (and readable when shrunk) while accounts come and go.
 */
export class Ref {
  constructor(
    readonly field: IdentityField,
    /** The same value written another way: in upper case (emails and UUIDs are case-insensitive), or as a `urn:uuid:`. */
    readonly spelling: 'as-is' | 'upper' | 'urn' = 'as-is',
  ) {}
  [fc.toStringMethod](): string {
    return `subject.${this.field}${this.spelling === 'as-is' ? '' : ` (${this.spelling})`}`;
  }
  spell(value: string | number): string | number {
    if (typeof value !== 'string') return value;
    return this.spelling === 'upper' ? value.toUpperCase() : this.spelling === 'urn' ? `urn:uuid:${value}` : value;
  }
}

/** Text that goes on the wire exactly as written (a path segment or query part, already encoded or deliberately not). */
export class Raw {
  constructor(readonly text: string) {}
  [fc.toStringMethod](): string {
    return `raw(${JSON.stringify(this.text)})`;
  }
}

/** JSON nested `depth` levels deep, built only when sent (fast-check could not print it: its printer recurses). */
export class Nested {
  constructor(
    readonly depth: number,
    readonly asObject: boolean,
  ) {}
  [fc.toStringMethod](): string {
    return `nested(${this.depth} ${this.asObject ? 'objects' : 'arrays'})`;
  }
  build(): Value {
    let value: Value = this.asObject ? {} : [];
    for (let level = 0; level < this.depth; level += 1) value = this.asObject ? { a: value } : [value];
    return value;
  }
}

export type Value = null | boolean | number | string | Ref | Nested | Value[] | { [key: string]: Value };

/**
 * Field names whose values the server can only accept when they are real: an existing email with its
 * password, a live refresh token, an existing id. Matched by name, so new operations using these
 * names get real values too; any other field gets values from its schema alone.
 */
const HINTS = new Map<string, IdentityField>([
  ['email', 'email'],
  ['username', 'email'],
  ['password', 'password'],
  ['current_password', 'password'],
  ['refresh_token', 'refreshToken'],
  ['userId', 'id'],
  ['user_id', 'id'],
  ['sessionId', 'sessionId'],
  // The token of a mailed link: the subject's live reset or verification token, as the operation takes (cases.ts).
  ['token', 'linkToken'],
]);

export function hintFor(name: string): IdentityField | undefined {
  return HINTS.get(name);
}

/** A single code point: mostly printable ASCII, sometimes anything from the whole Unicode range but a lone surrogate. */
const CODE_POINT = fc.oneof(
  { weight: 5, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);

/** A value that conforms to `schema`, or a Ref to a real value when the field's name calls for one. */
export function valueArb(schema: Schema, name?: string): fc.Arbitrary<Value> {
  const plain = schemaArb(schema);
  const field = name === undefined ? undefined : hintFor(name);
  const hinted = field ? fc.oneof({ weight: 3, arbitrary: refArb(field) }, { weight: 2, arbitrary: plain }) : plain;
  return schema.nullable === true ? fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 4, arbitrary: hinted }) : hinted;
}

/** A real value; emails and UUIDs sometimes in upper case, which must mean the same to the server. */
function refArb(field: IdentityField): fc.Arbitrary<Value> {
  if (field !== 'email' && field !== 'sessionId') return fc.constant(new Ref(field));
  return fc.oneof({ weight: 3, arbitrary: fc.constant(new Ref(field)) }, { weight: 1, arbitrary: fc.constant(new Ref(field, 'upper')) });
}

export function schemaArb(schema: Schema): fc.Arbitrary<Value> {
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return fc.constantFrom(...schema.enum.filter(isJson));
  const alternatives = [schema.oneOf, schema.anyOf].find(Array.isArray);
  if (alternatives) return fc.oneof(...alternatives.filter(isRecord).map(schemaArb));
  if (Array.isArray(schema.allOf)) return schemaArb(mergeAllOf(schema));
  switch (typeOf(schema)) {
    case 'string':
      return stringArb(schema);
    case 'integer':
      return integerArb(schema);
    case 'number':
      return fc.double({ min: number(schema.minimum) ?? -1e9, max: number(schema.maximum) ?? 1e9, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'array': {
      const items = isRecord(schema.items) ? schema.items : {};
      const minLength = number(schema.minItems) ?? 0;
      return fc.array(schemaArb(items), { minLength, maxLength: number(schema.maxItems) ?? minLength + 4 });
    }
    case 'object':
      return objectArb(schema);
    default:
      return jsonArb(2);
  }
}

export function typeOf(schema: Schema): string | undefined {
  if (typeof schema.type === 'string') return schema.type;
  return isRecord(schema.properties) ? 'object' : undefined;
}

function stringArb(schema: Schema): fc.Arbitrary<string> {
  const minLength = number(schema.minLength) ?? 0;
  const maxLength = number(schema.maxLength) ?? Math.max(minLength, 64);
  const fits = (text: string) => codePoints(text) >= minLength && codePoints(text) <= maxLength;
  switch (schema.format) {
    case 'email':
      // ajv-formats' fast email check is case-insensitive; the server lower-cases, so both spellings matter.
      return fc
        .tuple(fc.emailAddress({ size: 'small' }), fc.boolean())
        .map(([email, shout]) => (shout ? email.toUpperCase() : email))
        .filter((email) => fits(email) && FAST_EMAIL.test(email));
    case 'uuid':
      return fc.uuid();
    case 'date-time':
      return fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
    case 'date':
      return fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
  }
  const lengths = fc.oneof(
    { weight: 6, arbitrary: fc.string({ unit: CODE_POINT, minLength, maxLength: Math.min(maxLength, minLength + 40) }) },
    // Exactly at the limit: where columns that are too narrow and off-by-one checks give way.
    { weight: 1, arbitrary: fc.string({ unit: CODE_POINT, minLength: maxLength, maxLength }) },
  );
  if (typeof schema.pattern !== 'string') return lengths;
  const pattern = new RegExp(schema.pattern, 'u');
  // A pattern that only lists what is allowed (a TOTP code's six digits, an mfa_token's base64url) is almost never
  // met by chance: random text filtered by it never came (the fuzzer hung on loginWithSecondFactor). Generate from it.
  // Not for negated classes: fc.stringMatching yields control characters for FullName's negated \u class.
  if (!schema.pattern.includes('[^')) return fc.stringMatching(pattern).filter(fits);
  return lengths.filter((text) => pattern.test(text));
}

const FAST_EMAIL = /^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

function integerArb(schema: Schema): fc.Arbitrary<number> {
  let min = number(schema.minimum) ?? -Number.MAX_SAFE_INTEGER;
  let max = number(schema.maximum) ?? Number.MAX_SAFE_INTEGER;
  if (schema.exclusiveMinimum === true) min += 1;
  if (schema.exclusiveMaximum === true) max -= 1;
  return fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom(min, max) },
    { weight: 3, arbitrary: fc.integer({ min: Math.max(min, -1000), max: Math.max(Math.max(min, -1000), Math.min(max, 1000)) }) },
    { weight: 2, arbitrary: fc.bigInt({ min: BigInt(min), max: BigInt(max) }).map(Number) },
  );
}

/** Required properties always, optional ones sometimes, and extra ones only where `additionalProperties` allows. */
function objectArb(schema: Schema): fc.Arbitrary<Value> {
  const properties = isRecord(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required.filter((k) => typeof k === 'string') : []);
  const entries = Object.entries(properties)
    .filter((entry): entry is [string, Schema] => isRecord(entry[1]))
    .map(([name, propertySchema]) => {
      const entry = valueArb(propertySchema, name).map((value): [string, Value] => [name, value]);
      return required.has(name) ? entry : fc.option(entry, { nil: undefined });
    });
  const additional = schema.additionalProperties;
  const extras =
    additional === true || isRecord(additional)
      ? fc.array(fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), schemaArb(isRecord(additional) ? additional : {})), { maxLength: 3 })
      : fc.constant<[string, Value][]>([]);
  const minProperties = number(schema.minProperties) ?? 0;
  // `not: {required: [a, b]}` ("not both", ResetPasswordRequest's code and recovery_code): a valid case has not all.
  const exclusive = isRecord(schema.not) && Array.isArray(schema.not.required) ? schema.not.required.filter((k) => typeof k === 'string') : [];
  return fc
    .tuple(fc.tuple(...entries), extras)
    .map(([own, more]) => {
      const present = own.filter((entry): entry is [string, Value] => entry !== undefined);
      return Object.fromEntries([...present, ...more.filter(([key]) => !(key in properties))]);
    })
    .filter((object) => Object.keys(object).length >= minProperties && !(exclusive.length > 0 && exclusive.every((key) => key in object)));
}

function mergeAllOf(schema: Schema): Schema {
  const parts = Array.isArray(schema.allOf) ? schema.allOf.filter(isRecord) : [];
  const merged: Schema = { type: 'object', properties: {}, required: [] };
  for (const part of parts) {
    merged.properties = { ...(isRecord(merged.properties) ? merged.properties : {}), ...(isRecord(part.properties) ? part.properties : {}) };
    merged.required = [...(Array.isArray(merged.required) ? merged.required : []), ...(Array.isArray(part.required) ? part.required : [])];
    if (part.additionalProperties === false) merged.additionalProperties = false;
  }
  return merged;
}

/** A JSON value whose type is not `schema`'s: the "wrong type" mutant. */
export function wrongTypeArb(schema: Schema): fc.Arbitrary<Value> {
  const type = typeOf(schema);
  const byType: [string, fc.Arbitrary<Value>][] = [
    ['string', fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('1', 'true', 'null', '', '[]'))],
    ['integer', fc.integer()],
    ['number', fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n))],
    ['boolean', fc.boolean()],
    ['null', fc.constant(null)],
    ['array', fc.array(jsonArb(1), { maxLength: 3 })],
    ['object', fc.dictionary(fc.string({ maxLength: 6 }), jsonArb(1), { maxKeys: 3 })],
  ];
  const excluded = new Set([type, ...(type === 'number' ? ['integer'] : []), ...(schema.nullable === true ? ['null'] : [])]);
  return fc.oneof(...byType.filter(([name]) => !excluded.has(name)).map(([, arbitrary]) => arbitrary));
}

/** Any JSON value, `maxDepth` levels deep at most. */
export function jsonArb(maxDepth?: number): fc.Arbitrary<Value> {
  return fc.jsonValue({ maxDepth }).map(fromJson);
}

function fromJson(value: fc.JsonValue | undefined): Value {
  if (value === undefined) return null;
  if (Array.isArray(value)) return value.map(fromJson);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, fromJson(v)]));
  return value;
}

export function codePoints(text: string): number {
  return [...text].length;
}

export function number(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function isJson(value: unknown): value is Value {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value) || typeof value === 'object';
}
