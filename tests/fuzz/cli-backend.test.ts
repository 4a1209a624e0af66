import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { onPostgres } from '../helpers/server.js';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../helpers/postgres.js';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;

/** `npm run fuzz` as the README gives it (its script is `node --import tsx tests/fuzz/cli.ts`), one case. */
async function fuzzHeader(env: Record<string, string | undefined>): Promise<string> {
  // The vitest project's own TEST_BACKEND must not leak into the child: the CLI is to choose it.
  const inherited = { ...process.env };
  delete inherited.TEST_BACKEND;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'tests/fuzz/cli.ts', '--runs', '1', '--only', 'checkLiveness'], {
    cwd: ROOT,
    env: { ...inherited, TEST_DATABASE_URL: undefined, TEST_REDIS_URL: undefined, ...env },
    timeout: 60_000,
  });
  return stdout.split('\n')[0] ?? '';
}

describe('npm run fuzz chooses its backend from the environment and says which', () => {
  it('runs on SQLite without TEST_DATABASE_URL and TEST_REDIS_URL', async () => {
    expect(await fuzzHeader({})).toMatch(/backend: SQLite$/);
  });

  // Once is enough: in the postgres project this would only repeat the sqlite project's run.
  it.skipIf(!TEST_DATABASE_URL || !TEST_REDIS_URL || onPostgres)(
    'runs on PostgreSQL + Redis with both set (needs TEST_DATABASE_URL and TEST_REDIS_URL)',
    async () => {
      expect(await fuzzHeader({ TEST_DATABASE_URL, TEST_REDIS_URL })).toMatch(/backend: PostgreSQL \+ Redis$/);
    },
  );
});
