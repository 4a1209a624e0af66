import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSignedIn, shoot, signIn, signOut } from './helpers/account-page.js';
import { CHROMIUM_PATH, foreignRequests, hasChromium, launchChromium } from './helpers/browser.js';
import { bearer, GOOD_PASSWORD, startTestServer, type TestServer } from './helpers/server.js';
import { testClock } from './helpers/clock.js';
import { codeAt, startOfTotpStep, TOTP_STEP_MS } from './helpers/totp.js';

const SUITE = hasChromium
  ? 'the account page’s second factor in Chromium'
  : `the account page’s second factor in Chromium (SKIPPED: no browser at ${CHROMIUM_PATH}; install Debian's chromium package)`;

// The server's clock is the test's (server/clock.ts): a TOTP step passes when the test says, never by waiting.
const clock = testClock({ frozenAt: startOfTotpStep() });

/** A code the app would not show now: the test's wrong guess. */
async function wrongCode(secret: string): Promise<string> {
  return (await codeAt(secret, clock)) === '000000' ? '111111' : '000000';
}

async function alert(page: Page, text: string): Promise<void> {
  await page.getByRole('alert').filter({ hasText: text }).waitFor();
}

describe.skipIf(!hasChromium)(SUITE, { timeout: 90_000 }, () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startTestServer({ LOGIN_IP_MAX_FAILURES: '10000', MFA_ISSUER: 'Page Test' }, { clock }), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('adds an authenticator app by clicking, asks for its code at sign-in, takes a recovery code once, renews the codes and removes the app', async () => {
    const { observed, page, email } = await openSignedIn(browser, server);
    try {
      await page.locator('#mfa-status', { hasText: /^Off:/ }).waitFor();
      const elsewhere = await server.client.POST('/api/v1/users/login', { body: { email, password: GOOD_PASSWORD } });

      // Setting up needs the password: a wrong one shows the server's words.
      await page.locator('#mfa-enrol-password').fill('not the password at all');
      await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
      await alert(page, 'The password is not correct');
      await page.locator('#mfa-enrol-password').fill(GOOD_PASSWORD);
      await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
      await page.locator('#mfa-setup').waitFor();
      const secret = (await page.locator('#mfa-secret').innerText()).replace(/\s/g, '');
      expect(secret).toMatch(/^[A-Z2-7]{32}$/);
      const uri = new URL(await page.locator('#mfa-uri').inputValue());
      expect(uri.protocol).toBe('otpauth:');
      expect(uri.searchParams.get('secret')).toBe(secret);
      expect(await page.locator('#mfa-qr svg[role="img"]').count()).toBe(1);
      expect(await page.locator('#mfa-enrol').isHidden()).toBe(true);
      // The code field has the focus: the user types what the app shows straight away.
      await expect.poll(() => page.evaluate('document.activeElement?.id')).toBe('mfa-confirm-code');
      await shoot(page, 'mfa-1-set-up');

      await page.keyboard.type(await wrongCode(secret));
      await page.getByRole('button', { name: 'Turn on' }).click();
      await alert(page, 'The code is not correct');
      await page.locator('#mfa-confirm-code').fill(await codeAt(secret, clock));
      await page.getByRole('button', { name: 'Turn on' }).click();
      await page.getByRole('status').filter({ hasText: 'Authenticator app on' }).waitFor();
      await page.locator('#mfa-status', { hasText: 'Recovery codes left: 10.' }).waitFor();
      const recoveryCodes = await page.locator('#mfa-codes-list li').allInnerTexts();
      expect(recoveryCodes).toHaveLength(10);
      expect(await page.locator('#mfa-setup').isHidden()).toBe(true);
      // Turning it on ended every other session of the account.
      expect((await server.client.GET('/api/v1/users/me', { headers: bearer(elsewhere.data?.access_token ?? '') })).response.status).toBe(401);
      await shoot(page, 'mfa-2-recovery-codes');
      await page.getByRole('button', { name: 'I have stored them' }).click();
      expect(await page.locator('#mfa-codes-list li').count()).toBe(0);

      // Signing in now takes two steps; the confirming step's code is spent, so the next one comes from the next step.
      clock.advance(TOTP_STEP_MS);
      await signOut(page);
      await signIn(page, email, GOOD_PASSWORD, /One more step/);
      await page.getByRole('heading', { name: 'Second step' }).waitFor();
      await expect.poll(() => page.evaluate('document.activeElement?.id')).toBe('mfa-login-code');
      // A malformed code: the field error from errors[] sits under the field.
      await page.keyboard.type('12345');
      await page.getByRole('button', { name: 'Continue' }).click();
      await expect.poll(() => page.locator('#mfa-login-code').getAttribute('aria-invalid')).toBe('true');
      expect(await page.locator('#mfa-login-code-error').innerText()).toContain('must match pattern');
      await shoot(page, 'mfa-3-code-step');
      await page.getByRole('textbox', { name: 'Code from your authenticator app' }).fill(await wrongCode(secret));
      await page.getByRole('button', { name: 'Continue' }).click();
      await alert(page, 'The code is not correct');
      await page.getByRole('textbox', { name: 'Code from your authenticator app' }).fill(await codeAt(secret, clock));
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('status').filter({ hasText: /^Signed in\.$/ }).waitFor();
      await page.locator('#profile-email', { hasText: email }).waitFor();
      await page.locator('#mfa-status', { hasText: /^On:/ }).waitFor();
      expect(await page.evaluate('document.cookie')).toBe('');

      // A recovery code instead of the app: once.
      for (const attempt of ['works', 'spent'] as const) {
        await signOut(page);
        await signIn(page, email, GOOD_PASSWORD, /One more step/);
        await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
        await page.getByRole('textbox', { name: 'Recovery code', exact: true }).fill(recoveryCodes[0] ?? '');
        if (attempt === 'works') await shoot(page, 'mfa-4-recovery-step');
        await page.getByRole('button', { name: 'Continue' }).click();
        if (attempt === 'spent') break;
        await page.getByRole('status').filter({ hasText: /^Signed in\.$/ }).waitFor();
        await page.locator('#mfa-status', { hasText: 'Recovery codes left: 9.' }).waitFor();
      }
      await alert(page, 'The code is not correct');
      await page.getByRole('button', { name: 'Cancel' }).click();
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await signIn(page, email, GOOD_PASSWORD, /One more step/);
      await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
      await page.getByRole('textbox', { name: 'Recovery code', exact: true }).fill(recoveryCodes[1] ?? '');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('status').filter({ hasText: /^Signed in\.$/ }).waitFor();

      // New recovery codes, with the password and a code: the old ones stop working.
      clock.advance(TOTP_STEP_MS);
      await page.locator('#mfa-manage-password').fill(GOOD_PASSWORD);
      await page.getByRole('textbox', { name: 'Code from your app, or a recovery code' }).fill(await codeAt(secret, clock));
      await shoot(page, 'mfa-5-manage');
      await page.getByRole('button', { name: 'New recovery codes' }).click();
      await page.getByRole('status').filter({ hasText: 'New recovery codes' }).waitFor();
      await page.locator('#mfa-status', { hasText: 'Recovery codes left: 10.' }).waitFor();
      const renewed = await page.locator('#mfa-codes-list li').allInnerTexts();
      expect(renewed).toHaveLength(10);
      expect(renewed).not.toContain(recoveryCodes[2]);

      // Removing it takes the password and a recovery code (or the app's code); then the password alone signs in.
      await page.locator('#mfa-manage-password').fill(GOOD_PASSWORD);
      await page.getByRole('textbox', { name: 'Code from your app, or a recovery code' }).fill(renewed[0] ?? '');
      await page.getByRole('button', { name: 'Turn off' }).click();
      await page.getByRole('status').filter({ hasText: 'Authenticator app removed' }).waitFor();
      await page.locator('#mfa-status', { hasText: /^Off:/ }).waitFor();
      expect(await page.locator('#mfa-codes-list li').count()).toBe(0);
      await signOut(page);
      await signIn(page, email, GOOD_PASSWORD);

      expect(foreignRequests(observed.requests, server.url)).toEqual([]);
      expect(await observed.cspViolations()).toEqual([]);
      expect(observed.errors.filter((error) => !error.includes('status of 4'))).toEqual([]);
    } finally {
      await observed.close();
    }
  });

  it('a second step left too long goes back to the password step, saying why', async () => {
    const { observed, page, email } = await openSignedIn(browser, server);
    try {
      await page.locator('#mfa-enrol-password').fill(GOOD_PASSWORD);
      await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
      await page.locator('#mfa-setup').waitFor();
      const secret = (await page.locator('#mfa-secret').innerText()).replace(/\s/g, '');
      await page.locator('#mfa-confirm-code').fill(await codeAt(secret, clock));
      await page.getByRole('button', { name: 'Turn on' }).click();
      await page.getByRole('status').filter({ hasText: 'Authenticator app on' }).waitFor();
      await page.locator('#mfa-status', { hasText: /^On:/ }).waitFor();
      clock.advance(TOTP_STEP_MS);
      await signOut(page);
      // Signing out wiped what was shown once.
      expect(await page.locator('#mfa-codes-list li').count()).toBe(0);

      await signIn(page, email, GOOD_PASSWORD, /One more step/);
      clock.advance(301_000);
      await page.getByRole('textbox', { name: 'Code from your authenticator app' }).fill(await codeAt(secret, clock));
      await page.getByRole('button', { name: 'Continue' }).click();
      await alert(page, 'Log in again');
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      expect(await page.locator('#second-factor').isHidden()).toBe(true);
    } finally {
      await observed.close();
    }
  });
});
