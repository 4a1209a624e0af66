// `npm start`'s, `npm run manage`'s and `npm run migrate`'s build step: runs `tsc -b tsconfig.build.json` only when
// something it reads is newer than its last build (dist/.tsbuildinfo, which every successful `tsc -b` rewrites),
// then, with --assets, the account page's bundle and the parsed spec (dist/openapi.json), each skipped when
// current. One small node process instead of two: `tsc -b` alone costs 0.2 s of CPU (0.5 s and more on a busy
// machine) to find nothing to do.
// Folders count by their own time too, so a deleted or renamed source also triggers the build; an installed
// dependency does through package-lock.json. bench/startup.ts measures the difference.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import process from 'node:process';

const STAMP = 'dist/.tsbuildinfo';
/** tsconfig.build.json's `include`, the configs it extends, and what decides module resolution and types. */
const INPUTS = ['server', 'cli', 'client', 'generated', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'];

function newestMtime(path) {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

const stamp = statSync(STAMP, { throwIfNoEntry: false });
const current = stamp && existsSync('dist/server/main.js') && Math.max(...INPUTS.map(newestMtime)) <= stamp.mtimeMs;
if (!current || process.argv.includes('--force')) {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const { status } = spawnSync(process.execPath, [tsc, '-b', 'tsconfig.build.json'], { stdio: 'inherit' });
  if (status !== 0) process.exit(status ?? 1);
}
if (process.argv.includes('--assets')) {
  await import('./build-account-page.mjs');
  await import('./build-spec-cache.mjs');
}
