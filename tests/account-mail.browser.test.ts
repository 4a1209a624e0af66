import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSignedIn, shoot, signIn, signOut } from './helpers/account-page.js';
import { CHROMIUM_PATH, foreignRequests, hasChromium, launchChromium, openObservedPage } from './helpers/browser.js';
import { passwordStep, registerWithSecondFactor } from './helpers/mfa-flows.js';
import { freePort } from './helpers/ports.js';
import { GOOD_PASSWORD, registerAccount, startTestServer, uniqueEmail, type TestServer } from './helpers/server.js';
import { testClock, type TestClock } from './helpers/clock.js';
import { startSmtpServer, type TestSmtpServer } from './helpers/smtp.js';
import { codeAt } from './helpers/totp.js';

const SUITE = hasChromium
  ? 'the account page’s mail flows in Chromium, over a real SMTP server'
  : `the account page’s mail flows in Chromium (SKIPPED: no browser at ${CHROMIUM_PATH}; install Debian's chromium package)`;

const NEW_PASSWORD = 'a passphrase chosen from the mailed link';

/**
 * Mail and a server whose links point at its own /account page: the port is chosen first, so PASSWORD_RESET_URL and
 * EMAIL_VERIFY_URL can name it (the fragment forms are the defaults', server/mail-config.ts).
 */
async function startMailServer(smtp: TestSmtpServer, overrides: Record<string, string> = {}, clock?: TestClock): Promise<TestServer> {
  const origin = `http://127.0.0.1:${await freePort()}`;
  const server = await startTestServer(
    {
    PORT: new URL(origin).port,
    SMTP_URL: smtp.url,
    MAIL_FROM: 'Auth Test <auth@example.com>',
    MAIL_RETRY_BASE_SECONDS: '1',
    MAIL_ADDRESS_MAX_PER_HOUR: '100000',
    PASSWORD_RESET_URL: `${origin}/account#reset_token={token}`,
    EMAIL_VERIFY_URL: `${origin}/account#verify_token={token}`,
    ...overrides,
    },
    { clock },
  );
  expect(server.url).toBe(origin);
  return server;
}

/** The link of the `nth` mail (1 = the first) to `to` with this subject, once it has arrived. */
async function linkIn(smtp: TestSmtpServer, to: string, subject: string, nth = 1): Promise<string> {
  const arrived = () => smtp.mails.filter((mail) => mail.to === to && mail.subject === subject);
  await expect.poll(() => arrived().length, { timeout: 15_000 }).toBeGreaterThanOrEqual(nth);
  const link = /https?:\/\/\S+#(?:reset|verify)_token=[A-Za-z0-9_-]+/.exec(arrived()[nth - 1]?.text ?? '')?.[0];
  if (!link) throw new Error(`no link in the mail "${subject}" to ${to}`);
  return link;
}

/** The link's token is off the address (and so out of the history) once the page has read it. */
async function expectTokenGone(page: Page, server: TestServer): Promise<void> {
  await expect.poll(() => page.evaluate('location.href')).toBe(`${server.url}/account`);
}

describe.skipIf(!hasChromium)(SUITE, { timeout: 90_000 }, () => {
  let smtp: TestSmtpServer;
  let server: TestServer;
  let browser: Browser;
  // Real time, moved on where a TOTP step must pass (after an authenticator app's confirming code).
  const clock = testClock();

  beforeAll(async () => {
    [smtp, browser] = await Promise.all([startSmtpServer(), launchChromium()]);
    server = await startMailServer(smtp, {}, clock);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await smtp?.stop();
  });

  it('forgot password: the mailed link opens the page, which sets the new password, signs in, and leaves no token in the address', async () => {
    const observed = await openObservedPage(browser);
    const { page } = observed;
    const { email } = await registerAccount(server);
    try {
      await page.goto(`${server.url}/account`);
      await page.locator('#sign-in-email').fill(email);
      await page.getByRole('button', { name: 'Forgot your password?' }).click();
      // The address typed for signing in is carried over, and the focus moves there.
      await expect.poll(() => page.locator('#forgot-email').inputValue()).toBe(email);
      await expect.poll(() => page.evaluate('document.activeElement?.id')).toBe('forgot-email');
      await page.getByRole('button', { name: 'Email me a link' }).click();
      await page.getByRole('status').filter({ hasText: 'If an account has this email' }).waitFor();
      await shoot(page, 'mail-1-forgot-sent');

      const link = await linkIn(smtp, email, 'Reset your password');
      expect(link.startsWith(`${server.url}/account#reset_token=`)).toBe(true);
      // Opened in the tab already showing the page: only the fragment changes.
      await page.goto(link);
      await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
      await expectTokenGone(page, server);
      await expect.poll(() => page.evaluate('document.activeElement?.id')).toBe('reset-new-password');
      await page.keyboard.type('short');
      await page.keyboard.press('Enter');
      await expect.poll(() => page.locator('#reset-new-password').getAttribute('aria-invalid')).toBe('true');
      expect(await page.locator('#reset-new-password-error').innerText()).toContain('fewer than 8 characters');
      await shoot(page, 'mail-2-choose-password');

      await page.getByLabel('New password').first().fill(NEW_PASSWORD);
      await page.getByRole('button', { name: 'Set the new password' }).click();
      await page.getByRole('status').filter({ hasText: 'Password changed; you are signed in' }).waitFor();
      await page.locator('#profile-email', { hasText: email }).waitFor();
      // The link proved the owner reads the mail: the address counts as verified.
      await page.locator('#profile-verified', { hasText: 'is verified' }).waitFor();
      expect(await page.evaluate('document.cookie')).toBe('');

      await signOut(page);
      await signIn(page, email, NEW_PASSWORD);
      await signOut(page);

      // The link works once: opened again (in a new tab) it says so, and points to a new one.
      const again = await page.context().newPage();
      await again.goto(link);
      await again.getByRole('heading', { name: 'Choose a new password' }).waitFor();
      await expectTokenGone(again, server);
      await again.getByLabel('New password').first().fill('yet another passphrase for it');
      await again.getByRole('button', { name: 'Set the new password' }).click();
      await again.getByRole('alert').filter({ hasText: 'Ask for a new link' }).waitFor();
      await again.getByRole('heading', { name: 'Forgot your password?' }).waitFor();
      await again.close();

      expect(foreignRequests(observed.requests, server.url)).toEqual([]);
      expect(await observed.cspViolations()).toEqual([]);
      expect(observed.errors.filter((error) => !error.includes('status of 4'))).toEqual([]);
    } finally {
      await observed.close();
    }
  });

  it('a reset link of an account with an authenticator app: the page reveals a code field, refuses a wrong code, takes a recovery code', async () => {
    const observed = await openObservedPage(browser);
    const { page } = observed;
    const { email, secret, recoveryCodes } = await registerWithSecondFactor(server, clock);
    try {
      await server.client.POST('/api/v1/users/password/forgot', { body: { email } });
      await page.goto(await linkIn(smtp, email, 'Reset your password'));
      await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
      expect(await page.getByRole('textbox', { name: 'Code from your authenticator app' }).isVisible()).toBe(false);
      await page.getByLabel('New password').first().fill(NEW_PASSWORD);
      await page.getByRole('button', { name: 'Set the new password' }).click();
      await page.getByRole('alert').filter({ hasText: 'This account has an authenticator app' }).waitFor();
      await expect.poll(() => page.evaluate('document.activeElement?.id')).toBe('reset-code');
      await shoot(page, 'mail-7-reset-needs-code');

      const right = await codeAt(secret, clock);
      await page.getByRole('textbox', { name: 'Code from your authenticator app' }).fill(right === '000000' ? '111111' : '000000');
      await page.getByRole('button', { name: 'Set the new password' }).click();
      await page.getByRole('alert').filter({ hasText: 'The code is not correct' }).waitFor();
      // Refused twice, nothing changed: the old password still reaches the second step.
      await passwordStep(server, email, GOOD_PASSWORD);

      await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
      await page.getByRole('textbox', { name: 'Recovery code' }).fill(recoveryCodes[0] ?? '');
      await page.getByRole('button', { name: 'Set the new password' }).click();
      await page.getByRole('status').filter({ hasText: 'Password changed; you are signed in' }).waitFor();
      await page.locator('#profile-email', { hasText: email }).waitFor();
      await page.locator('#mfa-status', { hasText: 'Recovery codes left: 9.' }).waitFor();
      await passwordStep(server, email, NEW_PASSWORD);
      expect(observed.errors.filter((error) => !error.includes('status of 4'))).toEqual([]);
    } finally {
      await observed.close();
    }
  });

  it('an unverified profile asks for a new link; the newest link verifies, an older one is refused, and neither stays in the address', async () => {
    const observed = await openObservedPage(browser);
    const { page } = observed;
    const email = uniqueEmail('page-verify');
    try {
      await page.goto(`${server.url}/account`);
      await page.locator('#sign-up-email').fill(email);
      await page.locator('#sign-up-password').fill(GOOD_PASSWORD);
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByRole('status').filter({ hasText: 'Account created' }).waitFor();
      await page.locator('#profile-verified', { hasText: 'not verified yet' }).waitFor();
      await shoot(page, 'mail-3-unverified');
      await page.getByRole('button', { name: 'Send the verification mail again' }).click();
      await page.getByRole('status').filter({ hasText: 'A new verification link is on its way' }).waitFor();

      const subject = 'Confirm your email address';
      const [first, second] = [await linkIn(smtp, email, subject, 1), await linkIn(smtp, email, subject, 2)];
      // A click in the mail opens a new tab of the same browser: it has the session cookie.
      const superseded = await page.context().newPage();
      await superseded.goto(first);
      await superseded.getByRole('alert').filter({ hasText: 'ask for a new link from your profile' }).waitFor();
      await expectTokenGone(superseded, server);
      await superseded.locator('#profile-verified', { hasText: 'not verified yet' }).waitFor();
      await superseded.close();

      const tab = await page.context().newPage();
      await tab.goto(second);
      await tab.getByRole('status').filter({ hasText: `The email address ${email} is verified.` }).waitFor();
      await expectTokenGone(tab, server);
      await tab.locator('#profile-verified', { hasText: 'is verified' }).waitFor();
      expect(await tab.getByRole('button', { name: 'Send the verification mail again' }).count()).toBe(0);
      await shoot(tab, 'mail-4-verified');
      await tab.close();
    } finally {
      await observed.close();
    }
  });

  it('changes the email: the link mailed to the new address moves the account there', async () => {
    const { observed, page, email } = await openSignedIn(browser, server);
    const newEmail = uniqueEmail('page-moved');
    try {
      await page.getByLabel('New email').fill(newEmail);
      await page.locator('#email-password').fill('not the password at all');
      await page.getByRole('button', { name: 'Change email' }).click();
      await page.getByRole('alert').filter({ hasText: 'The password is not correct' }).waitFor();
      await page.locator('#email-password').fill(GOOD_PASSWORD);
      await page.getByRole('button', { name: 'Change email' }).click();
      await page.getByRole('status').filter({ hasText: `A confirmation link is on its way to ${newEmail}` }).waitFor();
      await shoot(page, 'mail-5-email-change-sent');
      expect(await page.locator('#profile-email').innerText()).toBe(email);

      await page.goto(await linkIn(smtp, newEmail, 'Confirm your new email address'));
      await page.getByRole('status').filter({ hasText: `The email address ${newEmail} is verified.` }).waitFor();
      await page.locator('#profile-email', { hasText: newEmail }).waitFor();
      await expectTokenGone(page, server);
    } finally {
      await observed.close();
    }
  });

  it('with REQUIRE_VERIFIED_EMAIL, signing in before verifying says so and shows the way on', async () => {
    const strict = await startMailServer(smtp, { REQUIRE_VERIFIED_EMAIL: 'true' });
    const observed = await openObservedPage(browser);
    const { page } = observed;
    try {
      const { email } = await registerAccount(strict);
      await page.goto(`${strict.url}/account`);
      await page.locator('#sign-in-email').fill(email);
      await page.locator('#sign-in-password').fill(GOOD_PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('alert').filter({ hasText: 'Verify your email first' }).waitFor();
      expect(await page.getByRole('alert').innerText()).toContain('A password-reset link');
      await shoot(page, 'mail-6-email-not-verified');

      await page.goto(await linkIn(smtp, email, 'Confirm your email address'));
      await page.getByRole('status').filter({ hasText: `The email address ${email} is verified.` }).waitFor();
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await signIn(page, email, GOOD_PASSWORD);
    } finally {
      await observed.close();
      await strict.stop();
    }
  });
});
