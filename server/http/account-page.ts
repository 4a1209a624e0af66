import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Router from '@koa/router';
import type { Middleware } from 'koa';
import { packageRoot } from '../api-spec.js';
import { EXACT_PATHS } from './router.js';

/** The page's own files only: no inline script or style, no other origin. */
const ACCOUNT_PAGE_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The account page at /account: sign up, sign in, profile, sessions, password, sign out. Its HTML and CSS are
 * read from account/, its script from the bundle `npm run build` writes (scripts/build-account-page.mjs). Mounted
 * before the validator, like the docs: these are pages, not API operations.
 */
export function accountPageRoutes(): Router {
  const root = packageRoot();
  const router = new Router(EXACT_PATHS);
  const html = readFileSync(join(root, 'account', 'index.html'), 'utf8');
  const css = readFileSync(join(root, 'account', 'account.css'), 'utf8');
  const bundlePath = join(root, 'dist', 'account', 'account.js');
  // Read once when present; a server run from source without a build says so instead of serving a blank page.
  const bundle = existsSync(bundlePath) ? readFileSync(bundlePath, 'utf8') : 'document.body.textContent = "The account page is not built: run npm run build.";';

  router.get('/account', (ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.set({ 'Content-Security-Policy': ACCOUNT_PAGE_POLICY, 'Cache-Control': 'no-cache', 'Referrer-Policy': 'no-referrer' });
    ctx.body = html;
  });
  router.get('/account/account.js', asset('text/javascript; charset=utf-8', bundle));
  router.get('/account/account.css', asset('text/css; charset=utf-8', css));
  return router;
}

function asset(type: string, body: string): Middleware {
  return function asset(ctx) {
    ctx.type = type;
    ctx.set({ 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' });
    ctx.body = body;
  };
}
