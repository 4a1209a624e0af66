import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { openObservedPage, type ObservedPage } from './browser.js';
import { GOOD_PASSWORD, registerAccount, type TestServer } from './server.js';

/** Written by every run (dist/ is not committed); ACCOUNT_SCREENSHOT_DIR puts them elsewhere. */
export const SCREENSHOTS = process.env.ACCOUNT_SCREENSHOT_DIR ?? resolve(import.meta.dirname, '..', '..', 'dist', 'screenshots', 'account');
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

/** The page as it is now, at desktop and at phone width, as `<name>-desktop.png` and `<name>-phone.png`. */
export async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  for (const [size, viewport] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
    await page.setViewportSize(viewport);
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${size}.png`), fullPage: true });
  }
  await page.setViewportSize(DESKTOP);
}

/**
 * The sign-in form's first step, by typing and clicking; waits for the status line to match `expect` (a pattern:
 * plain text matches anywhere, and "every other session was signed out." must not pass for "Signed out.").
 */
export async function signIn(page: Page, email: string, password: string, expect = /^Signed in\.$/): Promise<void> {
  await page.locator('#sign-in-email').fill(email);
  await page.locator('#sign-in-password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('status').filter({ hasText: expect }).waitFor();
}

export async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.getByRole('status').filter({ hasText: /^Signed out\.$/ }).waitFor();
}

/** A fresh account, signed in on the account page of a fresh browser context by typing; close `observed` after. */
export async function openSignedIn(browser: Browser, server: TestServer): Promise<{ observed: ObservedPage; page: Page; email: string }> {
  const { email } = await registerAccount(server);
  const observed = await openObservedPage(browser);
  await observed.page.goto(`${server.url}/account`);
  await signIn(observed.page, email, GOOD_PASSWORD);
  return { observed, page: observed.page, email };
}
