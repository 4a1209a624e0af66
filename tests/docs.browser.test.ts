import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadApiSpec } from '../server/api-spec.js';
import { PACKAGE_ROOT } from './helpers/child-server.js';
import { CHROMIUM_PATH, foreignRequests, hasChromium, launchChromium, openObservedPage } from './helpers/browser.js';
import { GOOD_PASSWORD, startTestServer, uniqueEmail, type TestServer } from './helpers/server.js';

const SUITE = hasChromium
  ? 'the docs pages in Chromium'
  : `the docs pages in Chromium (SKIPPED: no browser at ${CHROMIUM_PATH}; install Debian's chromium package)`;

const run = promisify(execFile);
/** What the password grant without a client does not use, and Swagger UI shows unless told otherwise. */
const CLIENT_FIELDS = /client_id|client_secret|client credentials location/i;

/** Set DOCS_SCREENSHOT_DIR to keep the screenshots; otherwise they go to a temporary folder that is removed. */
const keptScreenshots = process.env.DOCS_SCREENSHOT_DIR;

// About 20 s on a two-core machine that other test runs keep busy; the margin is for such a machine.
describe.skipIf(!hasChromium)(SUITE, { timeout: 60_000 }, () => {
  const spec = loadApiSpec();
  let server: TestServer;
  let browser: Browser;
  let screenshots: string;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startTestServer(), launchChromium()]);
    if (keptScreenshots) mkdirSync(keptScreenshots, { recursive: true });
    screenshots = keptScreenshots ?? mkdtempSync(join(tmpdir(), 'authapi-docs-shots-'));
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (!keptScreenshots && screenshots) rmSync(screenshots, { recursive: true, force: true });
  });

  it('Swagger UI logs in through the OAuth2 password flow and calls GET /api/v1/users/me', async () => {
    const email = uniqueEmail('swagger');
    const registered = await server.client.POST('/api/v1/users/register', {
      body: { email, password: GOOD_PASSWORD, full_name: null },
    });
    expect(registered.response.status).toBe(201);

    const observed = await openObservedPage(browser);
    const { page } = observed;
    try {
      await page.goto(`${server.url}/docs`);
      await page.locator('.swagger-ui .info .title', { hasText: titleOf(spec.document) }).waitFor();

      await page.locator('.auth-wrapper .authorize').click();
      const dialog = page.locator('.modal-ux');
      await dialog.locator('#oauth_username').waitFor();
      expect(await dialog.innerText()).not.toMatch(CLIENT_FIELDS);
      await dialog.locator('#oauth_username').fill(email);
      await dialog.locator('#oauth_password').fill(GOOD_PASSWORD);
      const loggedIn = page.waitForResponse((response) => new URL(response.url()).pathname === '/api/v1/users/login');
      await dialog.getByRole('button', { name: 'Apply given OAuth2 credentials' }).click();
      const login = await loggedIn;
      expect(login.status()).toBe(200);
      // What Swagger UI 5 posts with no client id or scope: the bare password grant (plus an
      // `Authorization: Basic` header of two empty client credentials, which login ignores).
      expect(login.request().headers()['content-type']).toBe('application/x-www-form-urlencoded');
      expect(Object.fromEntries(new URLSearchParams(login.request().postData() ?? ''))).toEqual({
        grant_type: 'password',
        username: email,
        password: GOOD_PASSWORD,
      });
      const tokens: unknown = await login.json();
      expect(tokens).toMatchObject({ access_token: expect.any(String), token_type: 'bearer' });
      await dialog.getByText('Authorized', { exact: true }).waitFor();
      // Nobody entered a client secret: no "client_secret: ******" either.
      expect(await dialog.innerText()).not.toMatch(CLIENT_FIELDS);
      await page.screenshot({ path: join(screenshots, 'swagger-ui-authorized.png') });
      await dialog.getByRole('button', { name: 'Close' }).click();
      // persistAuthorization: false keeps the token out of localStorage.
      expect(await page.evaluate("localStorage.getItem('authorized')")).toBeNull();

      const operation = page.locator('.opblock-get', { has: page.locator('[data-path="/api/v1/users/me"]') });
      await operation.locator('.opblock-summary-control').click();
      await operation.getByRole('button', { name: 'Try it out' }).click();
      const answered = page.waitForResponse((response) => new URL(response.url()).pathname === '/api/v1/users/me');
      await operation.getByRole('button', { name: 'Execute' }).click();
      const me = await answered;
      expect(tokens).toMatchObject({ access_token: me.request().headers()['authorization']?.replace(/^Bearer /, '') });
      expect(me.status()).toBe(200);

      const shown = operation.locator('.live-responses-table .response');
      await shown.first().waitFor();
      expect((await shown.locator('.response-col_status').first().innerText()).trim()).toBe('200');
      expect(await shown.locator('.response-col_description').first().innerText()).toContain(`"email": "${email}"`);
      await shown.first().scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(screenshots, 'swagger-ui.png') });

      expect(foreignRequests(observed.requests, server.url)).toEqual([]);
      expect(await observed.cspViolations()).toEqual([]);
      expect(observed.errors).toEqual([]);
    } finally {
      await observed.close();
    }
  });

  it('ReDoc renders the title and the operations, searching in a blob: worker, and the policy blocks the rest', async () => {
    const observed = await openObservedPage(browser);
    const { page } = observed;
    try {
      await page.goto(`${server.url}/redoc`);
      await page.getByRole('heading', { level: 1, name: titleOf(spec.document) }).waitFor();
      await page.getByRole('heading', { name: summaryOf(spec.document, '/api/v1/users/register', 'post') }).waitFor();
      await page.getByRole('heading', { name: summaryOf(spec.document, '/api/v1/users/me', 'get') }).waitFor();
      await page.waitForLoadState('networkidle');
      await page.screenshot({ path: join(screenshots, 'redoc.png') });

      expect(observed.requests).toContain(`${server.url}/openapi.json`);
      expect(observed.requests.some((url) => url.startsWith(`blob:${server.url}/`))).toBe(true);
      expect(foreignRequests(observed.requests, server.url)).toEqual([]);
      expect(await observed.cspViolations()).toEqual([]);
      expect(observed.errors).toEqual([]);

      // The control: the same instruments do see what the policy blocks.
      const inlineRan = await page.evaluate(`(() => {
        const script = document.createElement('script');
        script.textContent = 'window.inlineRan = true';
        document.body.append(script);
        new Image().src = 'https://example.com/pixel.png';
        return window.inlineRan === true;
      })()`);
      expect(inlineRan).toBe(false);
      await expect
        .poll(() => observed.cspViolations())
        .toEqual([expect.stringMatching(/^script-src/), 'img-src https://example.com/pixel.png']);
      expect(foreignRequests(observed.requests, server.url)).toEqual(['https://example.com/pixel.png']);
    } finally {
      await observed.close();
    }
  });

  it('npm run docs writes one page that renders as /redoc does: Redoc 2, a server a reader can use, nothing fetched', async () => {
    const out = join(screenshots, 'docs', 'index.html');
    const built = await run(process.execPath, ['--import', 'tsx', join(PACKAGE_ROOT, 'scripts', 'build-docs.ts'), '--out', out], { cwd: PACKAGE_ROOT });
    expect(built.stderr).toBe('');
    const observed = await openObservedPage(browser);
    const { page } = observed;
    try {
      await page.goto(pathToFileURL(out).href);
      await page.getByRole('heading', { level: 1, name: titleOf(spec.document) }).waitFor();
      await page.getByRole('heading', { name: summaryOf(spec.document, '/api/v1/users/me', 'get') }).waitFor();
      await page.screenshot({ path: join(screenshots, 'redoc-standalone.png') });

      expect(await page.evaluate('window.Redoc.version')).toMatch(/^2\./);
      // Each operation's endpoint panel names where `npm start` listens, not a bare `/`.
      expect(await page.locator('[role=button] span', { hasText: /^http:\/\/127\.0\.0\.1:8000$/ }).count()).toBeGreaterThan(0);
      // The intro describes the API as it is, and points at Swagger UI for the Authorize button this page lacks.
      const intro = await page.locator('.api-content').first().innerText();
      expect(intro).toMatch(/Sessions/);
      expect(intro).toMatch(/admin/);
      expect(intro).not.toMatch(/press \*?Authorize/i);
      expect(await page.locator('a[href="https://redocly.com/redoc/"]').innerText()).toBe('API docs by Redocly');

      expect(observed.requests.filter((url) => !url.startsWith('file:') && !url.startsWith('blob:') && !url.startsWith('data:'))).toEqual([]);
      expect(await observed.cspViolations()).toEqual([]);
      expect(observed.errors).toEqual([]);
    } finally {
      await observed.close();
    }
  });
});

function titleOf(document: Record<string, unknown>): string {
  const info = document.info;
  if (typeof info !== 'object' || info === null || !('title' in info) || typeof info.title !== 'string') {
    throw new Error('openapi.yaml has no info.title');
  }
  return info.title;
}

function summaryOf(document: { paths: Record<string, Record<string, unknown>> }, path: string, method: string): string {
  const operation = document.paths[path]?.[method];
  if (typeof operation !== 'object' || operation === null || !('summary' in operation) || typeof operation.summary !== 'string') {
    throw new Error(`openapi.yaml has no summary for ${method.toUpperCase()} ${path}`);
  }
  return operation.summary;
}
