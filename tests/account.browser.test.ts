import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shoot } from './helpers/account-page.js';
import { CHROMIUM_PATH, foreignRequests, hasChromium, launchChromium, openObservedPage } from './helpers/browser.js';
import { bearer, GOOD_PASSWORD, registerAccount, startTestServer, uniqueEmail, type TestServer } from './helpers/server.js';

const SUITE = hasChromium
  ? 'the account page in Chromium'
  : `the account page in Chromium (SKIPPED: no browser at ${CHROMIUM_PATH}; install Debian's chromium package)`;

/** A page of another origin (another port on this machine): the browser app that calls the API cross-origin. */
async function startOtherOrigin(): Promise<{ origin: string; close(): Promise<void> }> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>another app</title><h1>another app</h1>');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise((done) => server.close(() => done())) };
}

describe.skipIf(!hasChromium)(SUITE, { timeout: 90_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let listed: Awaited<ReturnType<typeof startOtherOrigin>>;
  let unlisted: Awaited<ReturnType<typeof startOtherOrigin>>;

  beforeAll(async () => {
    [listed, unlisted, browser] = await Promise.all([startOtherOrigin(), startOtherOrigin(), launchChromium()]);
    server = await startTestServer({ CORS_ORIGINS: listed.origin, ACCESS_TOKEN_EXPIRE_MINUTES: '1' });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await listed?.close();
    await unlisted?.close();
  });

  it('signs up, edits the name, ends another session, changes the password, signs out and in, and signs out everywhere — by clicking and typing', async () => {
    const observed = await openObservedPage(browser);
    const { page } = observed;
    const email = uniqueEmail('account-page');
    try {
      await page.goto(`${server.url}/account`);
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await shoot(page, '1-signed-out');

      // A refused sign-up shows the server's own words, beside the field at fault.
      await page.getByLabel('Email').nth(1).fill(email);
      await page.getByLabel('Password').nth(1).fill('short');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByRole('alert').filter({ hasText: 'The request has invalid fields.' }).waitFor();
      await expect.poll(() => page.locator('#sign-up-password').getAttribute('aria-invalid')).toBe('true');
      expect(await page.locator('#sign-up-password-error').innerText()).toContain('fewer than 8 characters');
      await shoot(page, '2-sign-up-refused');

      await page.locator('#sign-up-name').fill('Page Person');
      await page.getByLabel('Password').nth(1).fill(GOOD_PASSWORD);
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByRole('status').filter({ hasText: 'Account created' }).waitFor();
      expect(await page.locator('#profile-email').innerText()).toBe(email);
      expect(await page.locator('#profile-name').inputValue()).toBe('Page Person');
      // The refresh token is in an HttpOnly cookie: nothing of it is readable by the page's scripts.
      expect(await page.evaluate('document.cookie')).toBe('');
      await shoot(page, '3-signed-in');

      await page.locator('#profile-name').fill('Page P. Person');
      await page.getByRole('button', { name: 'Save name' }).click();
      await page.getByRole('status').filter({ hasText: 'Name saved' }).waitFor();
      expect((await server.client.POST('/api/v1/users/login', { body: { email, password: GOOD_PASSWORD } })).data).toBeDefined();
      const elsewhere = await server.client.POST('/api/v1/users/login', { body: { email, password: GOOD_PASSWORD }, headers: { 'User-Agent': 'curl/8.5.0' } });
      const elsewhereToken = elsewhere.data?.access_token ?? '';

      await page.getByRole('button', { name: 'Reload' }).click();
      await expect.poll(() => page.locator('#sessions li').count()).toBe(3);
      await shoot(page, '4-sessions');
      await page.locator('#sessions li', { hasText: 'curl/8.5.0' }).getByRole('button', { name: /End the session/ }).click();
      await page.getByRole('status').filter({ hasText: 'The session was ended' }).waitFor();
      await expect.poll(() => page.locator('#sessions li').count()).toBe(2);
      expect((await server.client.GET('/api/v1/users/me', { headers: bearer(elsewhereToken) })).response.status).toBe(401);

      // Keyboard only: Tab into the password form, type, submit with Enter.
      const newPassword = 'a whole new passphrase for the page';
      await page.locator('#password-current').focus();
      await page.keyboard.type(GOOD_PASSWORD);
      await page.keyboard.press('Tab');
      await page.keyboard.type(newPassword);
      await page.keyboard.press('Enter');
      await page.getByRole('status').filter({ hasText: 'Password changed' }).waitFor();
      await expect.poll(() => page.locator('#sessions li').count()).toBe(1);
      expect((await server.client.POST('/api/v1/users/login', { body: { email, password: GOOD_PASSWORD } })).response.status).toBe(401);

      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await page.getByRole('status').filter({ hasText: /^Signed out\.$/ }).waitFor();
      await page.reload();
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      expect(await page.locator('#signed-in').isHidden()).toBe(true);

      await page.getByLabel('Email').first().fill(email);
      await page.getByLabel('Password').first().fill(newPassword);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('status').filter({ hasText: /^Signed in\.$/ }).waitFor();
      // A reload keeps the session: the page gets a new access token from the cookie.
      await page.reload();
      await page.locator('#profile-email', { hasText: email }).waitFor();

      const other = await server.client.POST('/api/v1/users/login', { body: { email, password: newPassword } });
      await page.getByRole('button', { name: 'Sign out everywhere' }).click();
      await page.getByRole('status').filter({ hasText: 'Signed out on every device' }).waitFor();
      expect((await server.client.GET('/api/v1/users/me', { headers: bearer(other.data?.access_token ?? '') })).response.status).toBe(401);
      await shoot(page, '5-signed-out-everywhere');

      expect(foreignRequests(observed.requests, server.url)).toEqual([]);
      expect(await observed.cspViolations()).toEqual([]);
      expect(observed.errors.filter((error) => !error.includes('status of 4'))).toEqual([]);
    } finally {
      await observed.close();
    }
  });

  it('keeps working after the access token runs out: the page’s calls share one refresh', async () => {
    const observed = await openObservedPage(browser);
    const { page } = observed;
    try {
      const { email } = await registerAccount(server);
      await page.clock.install();
      await page.goto(`${server.url}/account`);
      await page.getByLabel('Email').first().fill(email);
      await page.getByLabel('Password').first().fill(GOOD_PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('status').filter({ hasText: 'Signed in.' }).waitFor();

      const refreshes: number[] = [];
      page.on('response', (response) => {
        if (new URL(response.url()).pathname === '/api/v1/users/refresh') refreshes.push(response.status());
      });
      // The access token lives one minute (ACCESS_TOKEN_EXPIRE_MINUTES=1); two pass on the page's clock.
      await page.clock.fastForward('02:00');
      const meAnswers = page.waitForResponse((response) => new URL(response.url()).pathname === '/api/v1/users/me');
      await page.getByRole('button', { name: 'Reload' }).click();
      expect((await meAnswers).status()).toBe(200);
      await expect.poll(() => page.locator('#sessions li').count()).toBe(1);
      expect(refreshes).toEqual([200]);
      expect(await page.locator('#problem').isHidden()).toBe(true);
    } finally {
      await observed.close();
    }
  });

  it('a page on another origin reaches the API only when that origin is in CORS_ORIGINS, and may then use cookie mode', async () => {
    const { email } = await registerAccount(server);
    const observed = await openObservedPage(browser);
    const { page } = observed;
    const tryLogin = (api: string) =>
      page.evaluate(
        async ({ api, email, password }) => {
          try {
            const response = await fetch(`${api}/api/v1/users/login`, {
              method: 'POST',
              credentials: 'include',
              headers: { 'Content-Type': 'application/json', 'X-Token-Transport': 'cookie' },
              body: JSON.stringify({ email, password }),
            });
            const body: unknown = await response.json();
            return { status: response.status, hasRefreshToken: typeof body === 'object' && body !== null && 'refresh_token' in body };
          } catch {
            return 'blocked by CORS';
          }
        },
        { api, email, password: GOOD_PASSWORD },
      );
    try {
      await page.goto(`${listed.origin}/`);
      expect(await tryLogin(server.url)).toEqual({ status: 200, hasRefreshToken: false });
      expect(await page.evaluate('document.cookie')).toBe('');
      await page.goto(`${unlisted.origin}/`);
      expect(await tryLogin(server.url)).toBe('blocked by CORS');
    } finally {
      await observed.close();
    }
  });

  it('a cross-site form POST to refresh or logout is refused, and the session it targets keeps working', async () => {
    const { email } = await registerAccount(server);
    const observed = await openObservedPage(browser);
    const { page } = observed;
    try {
      await page.goto(`${server.url}/account`);
      await page.getByLabel('Email').first().fill(email);
      await page.getByLabel('Password').first().fill(GOOD_PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('status').filter({ hasText: 'Signed in.' }).waitFor();

      for (const path of ['/api/v1/users/refresh', '/api/v1/users/logout']) {
        await page.goto(`${unlisted.origin}/`);
        const answered = page.waitForResponse((response) => new URL(response.url()).pathname === path);
        // A plain HTML form, as a hostile page would post it: no custom header, the browser's own cookies.
        await page.evaluate(`(() => {
          const form = document.createElement('form');
          form.method = 'POST';
          form.action = ${JSON.stringify(`${server.url}${path}`)};
          const input = document.createElement('input');
          input.name = 'refresh_token';
          input.value = 'x';
          form.append(input);
          document.body.append(form);
          form.submit();
        })()`);
        const response = await answered;
        // The form navigates the page to the refusal; let that finish before the next navigation.
        await page.waitForURL(`${server.url}${path}`);
        expect(response.status(), path).toBeGreaterThanOrEqual(400);
        expect(response.status(), path).toBeLessThan(500);
        expect(response.headers()['set-cookie'], path).toBeUndefined();
      }
      // Back on the account page, the session still stands: the cookie was neither spent nor cleared.
      await page.goto(`${server.url}/account`);
      await page.locator('#profile-email', { hasText: email }).waitFor();
    } finally {
      await observed.close();
    }
  });
});
