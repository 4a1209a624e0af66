import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOOD_PASSWORD, onPostgres, registerAccount, startTestServer, type TestServer } from './helpers/server.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..');

/**
 * `authapi/client` as a user gets it: `npm pack` of this repository, installed into a scratch project that has
 * never seen the source, then imported by Node and type-checked by tsc. The install resolves the package's whole
 * dependency tree (about 40 s on this machine); it runs once, in the sqlite project only.
 */
describe.skipIf(onPostgres)('authapi/client from npm pack (installed in a scratch project)', () => {
  let server: TestServer;
  let scratch: string;

  beforeAll(async () => {
    server = await startTestServer();
    scratch = mkdtempSync(join(tmpdir(), 'authapi-client-scratch-'));
    // dist/ is built by `npm test` (and `npm ci`); --ignore-scripts keeps pack from building it again.
    await run('npm', ['pack', '--ignore-scripts', '--pack-destination', scratch], { cwd: ROOT });
    const tarball = readdirSync(scratch).find((name) => name.endsWith('.tgz'));
    if (!tarball) throw new Error('npm pack wrote no tarball');
    writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
    await run('npm', ['install', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', `./${tarball}`], { cwd: scratch });
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
    writeFileSync(
      join(scratch, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: false, types: [] }, files: ['use.ts'] }),
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
    await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: scratch });
    writeFileSync(join(scratch, 'use.ts'), source('/api/v1/users/nope'));
    await expect(run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: scratch })).rejects.toMatchObject({ stdout: expect.stringContaining('use.ts(3,') });
  }, 180_000);
});
