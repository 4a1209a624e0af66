// Bundles the account page (account/main.ts and the authapi/client it uses) into one browser script, at build time,
// so the server serves it offline with a self-only Content-Security-Policy (no CDN, nothing fetched at run time).
// Skipped when the bundle is newer than every source it is made of, so `npm start` stays fast.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';

const OUTFILE = 'dist/account/account.js';
const SOURCES = ['account', 'client', 'generated'];

const newestSource = Math.max(...SOURCES.flatMap((dir) => readdirSync(dir).map((file) => statSync(join(dir, file)).mtimeMs)));
const current = existsSync(OUTFILE) && statSync(OUTFILE).mtimeMs > newestSource && !process.argv.includes('--force');
if (!current) {
  const { build } = await import('esbuild');
  await build({
    entryPoints: ['account/main.ts'],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outfile: OUTFILE,
    minify: true,
    sourcemap: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
}
