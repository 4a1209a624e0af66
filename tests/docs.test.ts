import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { packageRoot } from '../server/api-spec.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const require = createRequire(import.meta.url);
const swaggerUiDir = dirname(require.resolve('swagger-ui-dist/package.json'));
const specFile = join(packageRoot(), 'openapi.yaml');

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

/** Sends the path exactly as written: fetch would normalise `%2e%2e` segments before they reach the server. */
function rawGet(path: string): Promise<{ status: number; type: string | undefined; body: string }> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Every src and href in the page, as written. */
function linksIn(html: string): string[] {
  return [...html.matchAll(/\b(?:src|href)\s*=\s*["']([^"']*)["']/gi)].map((match) => match[1] ?? '');
}

describe('the contract', () => {
  it('/openapi.yaml is the file, byte for byte', async () => {
    const response = await fetch(`${server.url}/openapi.yaml`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/yaml/);
    expect(Buffer.from(await response.arrayBuffer()).equals(readFileSync(specFile))).toBe(true);
  });

  it('/openapi.json is the same document as JSON', async () => {
    const response = await fetch(`${server.url}/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual(parse(readFileSync(specFile, 'utf8')));
  });
});

describe.each([
  { page: '/docs', expected: ['/docs/swagger-ui.css', '/docs/swagger-ui-bundle.js', '/docs/swagger-initializer.js'] },
  { page: '/redoc', expected: ['/redoc/redoc.standalone.js'] },
])('$page', ({ page, expected }) => {
  it('is an HTML page that loads nothing from another origin', async () => {
    const response = await fetch(`${server.url}${page}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    const links = linksIn(html);
    expect(links).toEqual(expect.arrayContaining(expected));
    for (const link of links) expect(new URL(link, response.url).origin, link).toBe(server.url);
    expect(html).not.toMatch(/fonts\.googleapis|fonts\.gstatic|cdn\.|unpkg|jsdelivr/);
  });

  it('allows scripts from this server only, and none inline', async () => {
    const response = await fetch(`${server.url}${page}`);
    const policy = response.headers.get('content-security-policy') ?? '';
    const directives = new Map(policy.split(';').map((part) => {
      const [name = '', ...values] = part.trim().split(/\s+/);
      return [name, values] as const;
    }));
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(await response.text()).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });
});

describe('docs assets', () => {
  it.each([
    ['/docs/swagger-ui.css', /^text\/css/],
    ['/docs/swagger-ui-bundle.js', /^(text|application)\/javascript/],
    ['/docs/swagger-initializer.js', /^(text|application)\/javascript/],
    ['/docs/favicon-32x32.png', /^image\/png$/],
    ['/docs/favicon-16x16.png', /^image\/png$/],
    ['/redoc/redoc.standalone.js', /^(text|application)\/javascript/],
  ])('%s is served as %s', async (path, type) => {
    const response = await fetch(`${server.url}${path}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(type);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(0);
  });

  it('vendor files are the package files, cacheable for a day', async () => {
    const response = await fetch(`${server.url}/docs/swagger-ui-bundle.js`);
    expect(response.headers.get('cache-control')).toBe('max-age=86400');
    expect(Buffer.from(await response.arrayBuffer()).equals(readFileSync(join(swaggerUiDir, 'swagger-ui-bundle.js')))).toBe(true);
  });

  it('Swagger UI is configured in a script of ours: our spec, no outside validator, no stored token', async () => {
    const source = await (await fetch(`${server.url}/docs/swagger-initializer.js`)).text();
    expect(source).toMatch(/url: '\/openapi\.json'/);
    expect(source).toMatch(/validatorUrl: null/);
    expect(source).toMatch(/persistAuthorization: false/);
  });

  it("ReDoc's bundle is served without its logo from cdn.redoc.ly", async () => {
    const source = await (await fetch(`${server.url}/redoc/redoc.standalone.js`)).text();
    expect(source).not.toContain('cdn.redoc.ly');
  });
});

describe('paths the docs do not serve', () => {
  it.each([
    '/docs/..%2fpackage.json',
    '/docs/..%2f..%2fpackage.json',
    '/docs/%2e%2e/%2e%2e/package.json',
    '/redoc/..%2fpackage.json',
    // swagger-ui-dist's own page and initializer would load the Petstore from petstore.swagger.io.
    '/docs/index.html',
    '/docs/oauth2-redirect.html',
    '/redoc/redoc.lib.js',
    '/docs/nope.css',
  ])('%s is a 404 problem', async (path) => {
    const response = await rawGet(path);
    expect(response.status).toBe(404);
    expect(response.type).toBe('application/problem+json');
    expect(JSON.parse(response.body)).toMatchObject({ status: 404, code: 'not_found' });
  });
});
