// Bundles the account page (account/main.ts and the authapi/client it uses) into one browser script, at build time,
// so the server serves it offline with a self-only Content-Security-Policy (no CDN, nothing fetched at run time).
import { build } from 'esbuild';

await build({
  entryPoints: ['account/main.ts'],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  outfile: 'dist/account/account.js',
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
});
