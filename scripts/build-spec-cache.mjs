// Writes dist/openapi.json: openapi.yaml parsed, and checked with express-openapi-validator's own OpenAPI 3 schema
// check, keyed by the SHA-256 of the YAML text. The server reads it instead of parsing the YAML and having the
// validator check the document again at every start (0.3 s of CPU together; bench/startup.ts), and only when the
// key matches the openapi.yaml it has read (server/api-spec.ts), so an edited spec is parsed and checked as before.
// A spec that fails the check gets no cache: the server then refuses it at start, as it always has.
// Skipped when the cache is newer than openapi.yaml.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import process from 'node:process';

const SPEC = 'openapi.yaml';
const CACHE = 'dist/openapi.json';

const current = existsSync(CACHE) && statSync(CACHE).mtimeMs > statSync(SPEC).mtimeMs && !process.argv.includes('--force');
if (!current) {
  const text = readFileSync(SPEC, 'utf8');
  const { parse } = await import('yaml');
  const document = parse(text);
  rmSync(CACHE, { force: true });
  if (passesValidatorCheck(document)) {
    mkdirSync('dist', { recursive: true });
    writeFileSync(CACHE, JSON.stringify({ sha256: createHash('sha256').update(text).digest('hex'), document }));
  }
}

/** The check express-openapi-validator runs with `validateApiSpec: true` (its framework/index.js), by its own code. */
function passesValidatorCheck(document) {
  const fromEov = createRequire(createRequire(import.meta.url).resolve('express-openapi-validator'));
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
