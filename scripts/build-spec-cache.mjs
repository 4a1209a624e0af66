// Writes dist/openapi.json: openapi.yaml parsed, and checked with express-openapi-validator's own OpenAPI 3 schema
// check, keyed by the SHA-256 of the YAML text and the validator's release (`checkedBy`). The server reads it instead of parsing the YAML and having the
// validator check the document again at every start (0.3 s of CPU together; bench/startup.ts), and only when the
// key matches the openapi.yaml it has read and the validator installed (server/api-spec.ts), so an edited spec, or
// one checked by an older validator, is parsed and checked as before.
// A spec that fails the check gets no cache: the server then refuses it at start, as it always has.
// Skipped when the cache is newer than openapi.yaml.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import process from 'node:process';

const SPEC = 'openapi.yaml';
const CACHE = 'dist/openapi.json';
const require = createRequire(import.meta.url);
/** Requires from inside express-openapi-validator's package (its internal modules). */
const fromEov = createRequire(require.resolve('express-openapi-validator'));

const current = existsSync(CACHE) && statSync(CACHE).mtimeMs > statSync(SPEC).mtimeMs && !process.argv.includes('--force');
if (!current) {
  const text = readFileSync(SPEC, 'utf8');
  const { parse } = await import('yaml');
  const document = parse(text);
  rmSync(CACHE, { force: true });
  if (passesValidatorCheck(document)) {
    mkdirSync('dist', { recursive: true });
    const checkedBy = `express-openapi-validator@${require('express-openapi-validator/package.json').version}`;
    writeFileSync(CACHE, JSON.stringify({ sha256: createHash('sha256').update(text).digest('hex'), checkedBy, document }));
  }
}

/** The check express-openapi-validator runs with `validateApiSpec: true` (its framework/index.js), by its own code. */
function passesValidatorCheck(document) {
  let OpenAPISchemaValidator;
  try {
    ({ OpenAPISchemaValidator } = fromEov('./framework/openapi.schema.validator'));
  } catch {
    // An internal module: should a release move it, there is no cache and every start checks, as before.
    return false;
  }
  const validator = new OpenAPISchemaValidator({ version: document.openapi, validateApiSpec: true });
  return validator.validate(document).errors.length === 0;
}
