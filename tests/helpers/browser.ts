import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's package; playwright-core downloads no browser of its own. */
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM_PATH);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // Anything not on loopback goes to a closed port, so a page that reaches out fails here
      // instead of leaving the machine; the request is still recorded and fails the test.
      '--proxy-server=http://127.0.0.1:9',
    ],
  });
}

export interface ObservedPage {
  page: Page;
  /** Every URL the page, its frames and its workers asked for, in order. */
  requests: string[];
  /** Console errors and uncaught exceptions. */
  errors: string[];
  /** `directive blocked-uri` for each Content-Security-Policy violation the document reported. */
  cspViolations(): Promise<string[]>;
  close(): Promise<void>;
}

/** A page in a fresh context (its own profile: no cookies, storage or cache) that records what it does. */
export async function openObservedPage(browser: Browser): Promise<ObservedPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const requests: string[] = [];
  const errors: string[] = [];
  context.on('request', (request) => requests.push(request.url()));
  // Runs before the page's own scripts; the policy does not apply to scripts injected this way.
  await context.addInitScript(`
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      window.__cspViolations.push(event.violatedDirective + ' ' + event.blockedURI);
    });
  `);
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  return {
    page,
    requests,
    errors,
    async cspViolations() {
      const violations: unknown = await page.evaluate('window.__cspViolations');
      return Array.isArray(violations) ? violations.map(String) : [];
    },
    close: () => context.close(),
  };
}

/** The requests that went anywhere but `origin`; data: URLs never leave the page, blob: URLs carry their origin. */
export function foreignRequests(requests: string[], origin: string): string[] {
  return requests.filter((url) => !url.startsWith('data:') && new URL(url).origin !== origin);
}
