import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, PACKAGE_ROOT } from './helpers/child-server.js';

/**
 * scripts/build-if-changed.mjs, `npm start`'s build step, run on a small project of its own: it must leave a
 * current build alone (no `tsc -b`, which rewrites dist/.tsbuildinfo whenever it runs) and rebuild after any edit,
 * including a deleted source, which only its folder's time shows.
 */
describe('build-if-changed (npm start’s build step)', { timeout: 120_000 }, () => {
  let project = '';
  const stamp = () => join(project, 'dist/.tsbuildinfo');
  const run = () => spawnSync(process.execPath, ['scripts/build-if-changed.mjs'], { cwd: project, encoding: 'utf8' });
  /** Every file and folder of the project an hour old, the last build half an hour old. */
  const settle = () => {
    const hourAgo = new Date(Date.now() - 3_600_000), halfHourAgo = new Date(Date.now() - 1_800_000);
    for (const path of ['server', 'server/main.ts', 'server/extra.ts', 'tsconfig.json', 'tsconfig.build.json', 'package.json']) {
      try {
        utimesSync(join(project, path), hourAgo, hourAgo);
      } catch {
        // A file a test removed.
      }
    }
    utimesSync(stamp(), halfHourAgo, halfHourAgo);
    return statSync(stamp()).mtimeMs;
  };

  beforeAll(() => {
    project = makeTempDir('build-if-changed');
    mkdirSync(join(project, 'scripts'));
    mkdirSync(join(project, 'server'));
    copyFileSync(join(PACKAGE_ROOT, 'scripts/build-if-changed.mjs'), join(project, 'scripts/build-if-changed.mjs'));
    symlinkSync(join(PACKAGE_ROOT, 'node_modules'), join(project, 'node_modules'));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ type: 'module' }));
    const compilerOptions = { module: 'nodenext', target: 'es2022', strict: true, outDir: 'dist', rootDir: '.', types: [] };
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions }));
    const build = { extends: './tsconfig.json', compilerOptions: { incremental: true, tsBuildInfoFile: 'dist/.tsbuildinfo' }, include: ['server'] };
    writeFileSync(join(project, 'tsconfig.build.json'), JSON.stringify(build));
    writeFileSync(join(project, 'server/main.ts'), 'export const answer: number = 42;\n');
    writeFileSync(join(project, 'server/extra.ts'), 'export const extra = 1;\n');
    return () => rmSync(project, { recursive: true, force: true });
  });

  it('builds when there is no build yet', () => {
    const result = run();
    expect(result.status, result.stderr).toBe(0);
    expect(statSync(join(project, 'dist/server/main.js')).isFile()).toBe(true);
  });

  it('leaves a build newer than every source alone', () => {
    const before = settle();
    const result = run();
    expect(result.status, result.stderr).toBe(0);
    expect(statSync(stamp()).mtimeMs).toBe(before);
  });

  it('rebuilds after a source is edited', () => {
    const before = settle();
    writeFileSync(join(project, 'server/main.ts'), 'export const answer: number = 43;\n');
    const result = run();
    expect(result.status, result.stderr).toBe(0);
    expect(statSync(stamp()).mtimeMs).toBeGreaterThan(before);
  });

  it('rebuilds after a source is deleted', () => {
    const before = settle();
    rmSync(join(project, 'server/extra.ts'));
    const result = run();
    expect(result.status, result.stderr).toBe(0);
    expect(statSync(stamp()).mtimeMs).toBeGreaterThan(before);
  });

  it('rebuilds after a config changes, and fails as tsc does on a type error', () => {
    settle();
    writeFileSync(join(project, 'server/main.ts'), 'export const answer: number = "forty-two";\n');
    settle();
    utimesSync(join(project, 'tsconfig.build.json'), new Date(), new Date());
    const result = run();
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('TS2322');
  });
});
