import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOOD_PASSWORD, onPostgres, registerAccount, startTestServer, type TestServer } from './helpers/server.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..');

/**
 * The install writes about 550 packages (180 MB): in a RAM-backed folder when the machine has one, it took a
 * third of the time it took on disk here (most of it was the kernel creating files).
 */
function scratchParent(): string {
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
}

/**
 * `npm install` of the tarball, from npm's cache alone when it holds everything (this repository's own install
 * filled it): asking the registry about 550 packages took longer than unpacking them. A cache that lacks a
 * package (ENOTCACHED) falls back to the registry, as a user's first install would.
 */
async function installFromCache(cwd: string, tarball: string): Promise<void> {
  const flags = ['--ignore-scripts', '--no-audit', '--no-fund'];
  try {
    await run('npm', ['install', '--offline', ...flags, tarball], { cwd });
  } catch {
    await run('npm', ['install', '--prefer-offline', ...flags, tarball], { cwd });
  }
}

/**
 * `authapi/client` as a user gets it: `npm pack` of this repository, installed into a scratch project that has
 * never seen the source, then imported by Node and type-checked by tsc. The install resolves the package's whole
 * dependency tree (about 12 s from npm's cache on this machine); it runs once, in the sqlite project only.
 */
describe.skipIf(onPostgres)('authapi/client from npm pack (installed in a scratch project)', () => {
  let server: TestServer;
  let scratch: string;

  beforeAll(async () => {
    server = await startTestServer();
    scratch = mkdtempSync(join(scratchParent(), 'authapi-client-scratch-'));
    // dist/ is built by `npm test` (and `npm ci`); --ignore-scripts keeps pack from building it again.
    await run('npm', ['pack', '--ignore-scripts', '--pack-destination', scratch], { cwd: ROOT });
    const tarball = readdirSync(scratch).find((name) => name.endsWith('.tgz'));
    if (!tarball) throw new Error('npm pack wrote no tarball');
    writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
    await installFromCache(scratch, `./${tarball}`);
  }, 240_000);
  afterAll(async () => {
    await server?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('imports in Node and logs in through the session layer', async () => {
    const { email } = await registerAccount(server);
    writeFileSync(
      join(scratch, 'use.mjs'),
      [
        "import { createAuthClient } from 'authapi/client';",
        "const client = createAuthClient({ baseUrl: process.env.BASE_URL, mode: 'body' });",
        'const login = await client.login(process.env.EMAIL, process.env.PASSWORD);',
        "const me = await client.api.GET('/api/v1/users/me');",
        'console.log(JSON.stringify({ login: login.response.status, email: me.data?.email }));',
      ].join('\n'),
    );
    const { stdout } = await run(process.execPath, ['use.mjs'], { cwd: scratch, env: { ...process.env, BASE_URL: server.url, EMAIL: email, PASSWORD: GOOD_PASSWORD } });
    expect(JSON.parse(stdout)).toEqual({ login: 200, email });
  });

  it('type-checks a TypeScript consumer against the shipped declarations (and refuses a wrong path)', async () => {
    // One program, two consumers: the right path must type-check and the wrong one must not (one tsc run,
    // not one per file: each run checks the shipped declarations and their dependencies' anew).
    writeFileSync(
      join(scratch, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: false, types: [] },
        files: ['use.ts', 'wrong.ts'],
      }),
    );
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const source = (path: string) =>
      [
        "import { createAuthClient, SessionEndedError, type components } from 'authapi/client';",
        "const client = createAuthClient({ baseUrl: 'http://127.0.0.1:8000', mode: 'cookie' });",
        `const me = await client.api.GET('${path}');`,
        "const user: components['schemas']['User'] | undefined = me.data;",
        'export { user, SessionEndedError };',
      ].join('\n');
    writeFileSync(join(scratch, 'use.ts'), source('/api/v1/users/me'));
    writeFileSync(join(scratch, 'wrong.ts'), source('/api/v1/users/nope'));
    const failed: unknown = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: scratch }).then(
      () => undefined,
      (error: unknown) => error,
    );
    const stdout = failed instanceof Error && 'stdout' in failed ? String(failed.stdout) : '';
    const errors = stdout.split('\n').filter((line) => /^\S+\(\d+,\d+\): error /.test(line));
    // The wrong path is refused on its GET line; use.ts and the shipped declarations have no error at all.
    expect(errors.some((line) => line.startsWith('wrong.ts(3,')), stdout).toBe(true);
    expect(errors.filter((line) => !line.startsWith('wrong.ts(')), stdout).toEqual([]);
  }, 180_000);
});
