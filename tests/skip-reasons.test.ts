import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from './helpers/child-server.js';
import { onPostgres } from './helpers/server.js';

const run = promisify(execFile);
const VITEST = join(PACKAGE_ROOT, 'node_modules', 'vitest', 'vitest.mjs');

describe.skipIf(onPostgres)('vitest\'s output (sqlite project only: it runs vitest without the services)', () => {
  // A vitest of its own: seconds on a quiet machine, half a minute while other suites run.
  it('names the variables that would run a skipped PostgreSQL/Redis file', { timeout: 120_000 }, async () => {
    // A newcomer's environment: no TEST_DATABASE_URL, no TEST_REDIS_URL, and not inside another vitest.
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', NO_COLOR: '1' };
    const { stdout } = await run(process.execPath, [VITEST, 'run', '--project', 'sqlite', 'tests/postgres-redis.test.ts'], {
      cwd: PACKAGE_ROOT,
      env,
    });
    const reasons = stdout.slice(stdout.indexOf('Skipped, and why:'));
    expect(reasons).toMatch(/tests\/postgres-redis\.test\.ts .*set TEST_DATABASE_URL and TEST_REDIS_URL to run/);
  });
});
