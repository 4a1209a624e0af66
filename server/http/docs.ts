import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import Router from '@koa/router';
import type { Middleware } from 'koa';
import mount from 'koa-mount';
import serve from 'koa-static';
import { packageRoot, type ApiSpec } from '../api-spec.js';
import { EXACT_PATHS } from './router.js';

const require = createRequire(import.meta.url);
const SWAGGER_UI_DIR = dirname(require.resolve('swagger-ui-dist/package.json'));
const REDOC_DIR = join(dirname(require.resolve('redoc/package.json')), 'bundles');

/**
 * Only these files leave the packages: swagger-ui-dist also holds an index.html and an
 * initializer that load the Petstore from petstore.swagger.io.
 */
const SWAGGER_UI_ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-16x16.png', 'favicon-32x32.png'];

/**
 * ReDoc 2.5 draws a logo from cdn.redoc.ly under its sidebar, with no option to turn it off;
 * an empty SVG keeps the page from reaching out (the policy would block it, but still log a violation).
 */
const REDOC_LOGO_URL = 'https://cdn.redoc.ly/redoc/logo-mini.svg';
const EMPTY_SVG = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E";

/** Vendor files change only with a package upgrade; their URLs carry no version, so not `immutable`. */
const VENDOR_MAX_AGE_S = 24 * 60 * 60;
const VENDOR_CACHE_CONTROL = `max-age=${VENDOR_MAX_AGE_S}`;

/**
 * Nothing but this server: Swagger UI and ReDoc inject styles, draw data: images,
 * and ReDoc runs its search index in a blob: worker.
 */
const BASE_POLICY = {
  'default-src': "'self'",
  'script-src': "'self'",
  'style-src': "'self' 'unsafe-inline'",
  'img-src': "'self' data:",
  'font-src': "'self'",
  'connect-src': "'self'",
  'object-src': "'none'",
  'base-uri': "'none'",
  'form-action': "'self'",
  'frame-ancestors': "'none'",
};
const SWAGGER_UI_POLICY = contentSecurityPolicy(BASE_POLICY);
const REDOC_POLICY = contentSecurityPolicy({ ...BASE_POLICY, 'worker-src': 'blob:' });

/**
 * The contract as written and as JSON, Swagger UI at /docs, ReDoc at /redoc, all served from
 * this process so the docs work offline. Mounted before the validator: these are not API operations.
 */
export function docsRoutes(spec: ApiSpec): Router {
  const router = new Router(EXACT_PATHS);
  const json = JSON.stringify(spec.document);
  const title = titleOf(spec);
  const ownDir = join(packageRoot(), 'server', 'http', 'docs');
  const own = (file: string) => readFileSync(join(ownDir, file), 'utf8');
  const swaggerUiPage = own('swagger-ui.html').replaceAll('{{title}}', escapeHtml(title));
  const redocPage = own('redoc.html').replaceAll('{{title}}', escapeHtml(title));
  const swaggerInitializer = own('swagger-initializer.js');
  const redocBundle = readRedocBundle();

  router.get('/openapi.yaml', (ctx) => {
    ctx.type = 'application/yaml; charset=utf-8';
    ctx.body = spec.yaml;
  });
  router.get('/openapi.json', (ctx) => {
    ctx.type = 'application/json; charset=utf-8';
    ctx.body = json;
  });

  router.get('/docs', htmlPage(swaggerUiPage, SWAGGER_UI_POLICY));
  router.get('/docs/swagger-initializer.js', script(swaggerInitializer, 'no-cache'));
  router.get(
    SWAGGER_UI_ASSETS.map((file) => `/docs/${file}`),
    mount('/docs', vendorFiles(SWAGGER_UI_DIR)),
  );

  router.get('/redoc', htmlPage(redocPage, REDOC_POLICY));
  router.get('/redoc/redoc.standalone.js', script(redocBundle, VENDOR_CACHE_CONTROL));
  return router;
}

/** Redoc 2's standalone bundle, as /redoc serves it and `npm run docs` inlines it. */
export function readRedocBundle(): string {
  return readFileSync(join(REDOC_DIR, 'redoc.standalone.js'), 'utf8').replaceAll(REDOC_LOGO_URL, EMPTY_SVG);
}

function htmlPage(html: string, policy: string): Middleware {
  return function htmlPage(ctx) {
    ctx.type = 'text/html; charset=utf-8';
    ctx.set({
      'Content-Security-Policy': policy,
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    });
    ctx.body = html;
  };
}

function script(source: string, cacheControl: string): Middleware {
  return function script(ctx) {
    ctx.type = 'text/javascript; charset=utf-8';
    ctx.set({ 'Cache-Control': cacheControl, 'X-Content-Type-Options': 'nosniff' });
    ctx.body = source;
  };
}

/** Reached only through an exact route above, so no other file of the package can be named. */
function vendorFiles(dir: string): Middleware {
  return serve(dir, {
    index: false,
    maxage: VENDOR_MAX_AGE_S * 1000,
    setHeaders: (res) => res.setHeader('X-Content-Type-Options', 'nosniff'),
  });
}

function contentSecurityPolicy(directives: Record<string, string>): string {
  return Object.entries(directives)
    .map(([name, value]) => `${name} ${value}`)
    .join('; ');
}

export function titleOf(spec: ApiSpec): string {
  const info = spec.document.info;
  if (typeof info === 'object' && info !== null && 'title' in info && typeof info.title === 'string') return info.title;
  return 'API';
}

export function escapeHtml(text: string): string {
  const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
  return text.replace(/[&<>"']/g, (char) => entities[char] ?? char);
}
