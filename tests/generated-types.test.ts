import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from './helpers/child-server.js';
import { onPostgres } from './helpers/server.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'authapi-generated-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Where two texts first differ, as "line N: expected … got …", or undefined when they are equal. */
function firstDifference(expected: string, actual: string): string | undefined {
  if (expected === actual) return undefined;
  const want = expected.split('\n');
  const got = actual.split('\n');
  for (let i = 0; i < Math.max(want.length, got.length); i += 1) {
    if (want[i] !== got[i]) return `line ${i + 1}: generator writes ${JSON.stringify(want[i])}, generated/ has ${JSON.stringify(got[i])}`;
  }
  return 'they differ in line endings';
}

describe.skipIf(onPostgres)('generated/openapi.ts (sqlite project only: no database involved)', { timeout: 60_000 }, () => {
  it('is exactly what openapi-typescript makes of openapi.yaml today', async () => {
    const out = join(dir, 'openapi.ts');
    // Run from the package root, as `npm run generate` does, so the same redocly.yaml applies.
    await run(join(PACKAGE_ROOT, 'node_modules', '.bin', 'openapi-typescript'), ['openapi.yaml', '--enum-values', '-o', out], { cwd: PACKAGE_ROOT });
    const fresh = readFileSync(out, 'utf8');
    const committed = readFileSync(join(PACKAGE_ROOT, 'generated', 'openapi.ts'), 'utf8');
    expect(fresh).toContain('export interface paths');
    const difference = firstDifference(fresh, committed);
    if (difference !== undefined) expect.fail(`generated/ is stale: run npm run generate (${difference})`);
  });
});
