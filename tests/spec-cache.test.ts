import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadApiSpec } from '../server/api-spec.js';
import { makeTempDir, PACKAGE_ROOT } from './helpers/child-server.js';
import { sha256Hex } from './helpers/auth-flows.js';

const VALIDATOR_VERSION: unknown = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'node_modules/express-openapi-validator/package.json'), 'utf8')).version;

/**
 * dist/openapi.json, the spec parsed and checked at build time (scripts/build-spec-cache.mjs), stands in for
 * openapi.yaml only when it was made from the very same text, and only a spec that passes the validator's own
 * check gets one: otherwise the server parses and checks the YAML at start, as it did before the cache.
 */
describe('the built spec (dist/openapi.json)', { timeout: 60_000 }, () => {
  const project = makeTempDir('spec-cache');
  mkdirSync(join(project, 'scripts'));
  copyFileSync(join(PACKAGE_ROOT, 'scripts/build-spec-cache.mjs'), join(project, 'scripts/build-spec-cache.mjs'));
  symlinkSync(join(PACKAGE_ROOT, 'node_modules'), join(project, 'node_modules'));
  const build = () => spawnSync(process.execPath, ['scripts/build-spec-cache.mjs', '--force'], { cwd: project, encoding: 'utf8' });
  const cacheFile = join(project, 'dist/openapi.json');
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it('holds the parsed openapi.yaml under the SHA-256 of its text and the release of the validator that checked it', () => {
    const text = readFileSync(join(PACKAGE_ROOT, 'openapi.yaml'), 'utf8');
    writeFileSync(join(project, 'openapi.yaml'), text);
    const result = build();
    expect(result.status, result.stderr).toBe(0);
    const cache: unknown = JSON.parse(readFileSync(cacheFile, 'utf8'));
    expect(cache).toEqual({ sha256: sha256Hex(text), checkedBy: `express-openapi-validator@${VALIDATOR_VERSION}`, document: parse(text) });
    expect(loadApiSpec(join(project, 'openapi.yaml'), cacheFile).checked).toBe(true);
  });

  it('is ignored when another release of the validator checked it (upgraded since the build)', () => {
    const text = readFileSync(join(PACKAGE_ROOT, 'openapi.yaml'), 'utf8');
    writeFileSync(join(project, 'openapi.yaml'), text);
    expect(build().status).toBe(0);
    const cache = { ...JSON.parse(readFileSync(cacheFile, 'utf8')), checkedBy: 'express-openapi-validator@0.0.1' };
    writeFileSync(cacheFile, JSON.stringify(cache));
    const spec = loadApiSpec(join(project, 'openapi.yaml'), cacheFile);
    expect(spec.checked).toBe(false);
    expect(spec.document).toEqual(parse(text));
  });

  it('is not written for a spec the validator refuses (no `info`)', () => {
    const broken = readFileSync(join(PACKAGE_ROOT, 'openapi.yaml'), 'utf8').replace(/^info:\n/m, 'info_renamed:\n');
    writeFileSync(join(project, 'openapi.yaml'), broken);
    const result = build();
    expect(result.status, result.stderr).toBe(0);
    expect(existsSync(cacheFile)).toBe(false);
  });

  it('is what the server uses for the openapi.yaml it was built from (npm run build made it)', () => {
    const spec = loadApiSpec();
    expect(spec.checked).toBe(true);
    expect(spec.document).toEqual(parse(spec.yaml));
  });

  it('is ignored for any other text: that is parsed and left for the validator to check', () => {
    const edited = join(project, 'edited.yaml');
    const text = readFileSync(join(PACKAGE_ROOT, 'openapi.yaml'), 'utf8').replace(/^( {2}title: ).*$/m, '$1Edited');
    writeFileSync(edited, text);
    const spec = loadApiSpec(edited);
    expect(spec.checked).toBe(false);
    expect(spec.document).toEqual(parse(text));
    expect(spec.document).toMatchObject({ info: { title: 'Edited' } });
  });
});
