/**
 * `npm run docs`: dist/docs/index.html, the page /redoc serves as one file that works from disk and offline — the
 * same Redoc 2 bundle (with its logo URL emptied), the contract inlined. Redocly CLI's `build-docs` would render
 * with Redoc 3, warn that its Redoc is at end of life and that custom templates are deprecated, and list the
 * server as `/`, which means nothing outside a running server; this page lists where `npm start` listens.
 *
 *   npm run docs [-- --out dist/docs/index.html]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadApiSpec, packageRoot } from '../server/api-spec.js';
import { loadConfig } from '../server/config.js';
import { escapeHtml, readRedocBundle, titleOf } from '../server/http/docs.js';

/** Inline scripts and the search index's blob: worker; nothing is fetched. */
const POLICY = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; worker-src blob:";

const { values } = parseArgs({ options: { out: { type: 'string', default: join(packageRoot(), 'dist', 'docs', 'index.html') } } });
const out = resolve(values.out);
const spec = loadApiSpec();
const { config } = loadConfig({});
const local = { url: `http://${config.host}:${config.port}`, description: 'npm start on this machine (PORT and HOST change it)' };
const title = titleOf(spec);

const page = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta http-equiv="Content-Security-Policy" content="${POLICY}">
    <title>${escapeHtml(title)} · ReDoc</title>
    <style>body { margin: 0; padding: 0; }</style>
  </head>
  <body>
    <div id="redoc"></div>
    <script>${inlineScript(readRedocBundle())}</script>
    <script>Redoc.init(${inlineScript(JSON.stringify({ ...spec.document, servers: [local] }))}, {}, document.getElementById('redoc'));</script>
  </body>
</html>
`;
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, page);
console.log(`${out}: ${title}, Redoc 2, server ${local.url}`);

/** A script element ends at the first `</script`, whatever the JavaScript around it means; `<\/` reads as `</`. */
function inlineScript(source: string): string {
  return source.replace(/<\/(script)/gi, '<\\/$1');
}
