import { createRequire } from 'node:module';
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import type { FormatsPlugin } from 'ajv-formats';
import type { Schema } from './spec.js';

// ajv and ajv-formats are not our dependencies but express-openapi-validator's: load the very copies it
// validates requests with, so "valid" means the same thing to the fuzzer as to the server.
const fromValidator = createRequire(createRequire(import.meta.url).resolve('express-openapi-validator'));
const AjvClass: typeof Ajv = fromValidator('ajv').default;
const addFormats: FormatsPlugin = fromValidator('ajv-formats').default;

/** Validates values against dereferenced OpenAPI 3.0 schemas, the way express-openapi-validator does. */
export class SchemaValidator {
  // OpenAPI's `nullable` is native to ajv 8; `example` and `description` are not keywords, hence strict off.
  // 'fast' is the format mode express-openapi-validator uses.
  private readonly ajv = new AjvClass({ strict: false, allErrors: true, validateFormats: true });
  private readonly compiled = new WeakMap<Schema, ValidateFunction>();

  constructor() {
    addFormats(this.ajv, { mode: 'fast' });
  }

  /** Every way `value` breaks `schema`, as `path message` lines; empty when it conforms. */
  errors(schema: Schema, value: unknown): string[] {
    let validate = this.compiled.get(schema);
    if (!validate) {
      validate = this.ajv.compile(schema);
      this.compiled.set(schema, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).map(describe);
  }

  conforms(schema: Schema, value: unknown): boolean {
    return this.errors(schema, value).length === 0;
  }
}

function describe(error: ErrorObject): string {
  return `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`;
}
