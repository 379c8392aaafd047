import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';
import { onTestFailed } from 'vitest';

/** Debian's chromium (`.ci/run` installs it); never a browser downloaded by Playwright. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Screenshots of the main pages, for people to look at (gitignored). */
export const ARTIFACTS = join(process.cwd(), 'test-artifacts');

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export async function screenshot(page: Page, name: string) {
  mkdirSync(ARTIFACTS, { recursive: true });
  // Transitions (dialogs fading in, menus fading out) are finished, not caught halfway.
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true, animations: 'disabled' });
}

/** Uncaught errors and console errors of a page, to assert none happened. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  return errors;
}

/** Requests of a page that failed or answered 4xx/5xx, for a failing test's report. */
export function collectNetworkTrouble(page: Page): string[] {
  const trouble: string[] = [];
  page.on('requestfailed', (request) => trouble.push(`failed ${request.method()} ${request.url()}: ${request.failure()?.errorText ?? '?'}`));
  page.on('response', (response) => {
    if (response.status() >= 400) trouble.push(`${response.status()} ${response.request().method()} ${response.url()}`);
  });
  return trouble;
}

export interface DashboardSession {
  context: BrowserContext;
  page: Page;
  errors: string[];
}

/**
 * A new browser context logged in to the dashboard at `url` as a staff member, on the home page;
 * a failing test leaves a screenshot and the page's errors. `width` narrows the window (phones).
 */
export async function openDashboard(browser: Browser, url: string, login: { email: string; password: string }, width = 1400): Promise<DashboardSession> {
  const context = await browser.newContext({ viewport: { width, height: width < 600 ? 844 : 900 }, locale: 'en-US', timezoneId: 'UTC' });
  const page = await context.newPage();
  const errors = collectErrors(page);
  const network = collectNetworkTrouble(page);
  onTestFailed(async ({ task }) => {
    console.log(`page errors: ${JSON.stringify(errors)}`);
    console.log(`failed or refused requests: ${JSON.stringify(network)}`);
    if (!page.isClosed()) {
      // What the page showed when the test gave up (the screenshot stays on this machine only).
      const shown = await page.locator('body').innerText({ timeout: 5_000 }).catch((error: Error) => `(unreadable: ${error.message})`);
      console.log(`page ${page.url()} showed:\n${shown.slice(0, 3_000)}`);
    }
    // A test that opened several sessions has closed the earlier ones: a screenshot of those would
    // throw, and that error would stand in the report instead of the test's own.
    if (!page.isClosed()) await screenshot(page, `failed-${task.name.replace(/\W+/g, '-').slice(0, 60)}`);
  });
  await page.goto(`${url}/admin/`);
  await page.locator('input[name="username"]').waitFor();
  await screenshot(page, width < 600 ? 'login-phone' : 'login');
  await page.locator('input[name="username"]').fill(login.email);
  await page.locator('input[name="password"]').fill(login.password);
  await page.locator('button[type="submit"]').click();
  await page.getByText('Seats sold').waitFor({ timeout: 15_000 });
  return { context, page, errors };
}

/**
 * A list's path filtered to a test's own records: on PostgreSQL every test file of a run shares one
 * schema, and the other files' newer licenses, mail and staff push a test's off a vendor admin's first page.
 */
export const only = (list: string, filter: Record<string, string>) => `${list}?filter=${encodeURIComponent(JSON.stringify(filter))}`;
