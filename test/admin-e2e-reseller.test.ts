// What a reseller acts on, in real Chromium: the home page's figures (renewals due, machines activated,
// activations refused, the vendor's per-reseller trend), a live feed that names the customer and the
// product, the dark theme and Russian (both kept free of serious axe violations), worded CSV headers,
// a "not found" page at vendor-only URLs, and a filter bar that stays on one line at 1,366 px.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../packages/admin/scripts/build-if-stale.mjs';
import type { Listening } from '@slotkeeper/api/server';
import { type TestApp, startTestApp } from './support/app.ts';
import { type AxeCounts, axe, totalAxe } from './support/axe.ts';
import { launchBrowser, only, openDashboard, screenshot } from './support/browser.ts';
import { ACTIVATE, machine } from './support/operations.ts';
import type { SeededLicense } from './support/seed.ts';

const PASSWORD = 'Dashboard-Pass-2026!';
const tag = randomBytes(3).toString('hex');
const vendor = `trend-vendor-${tag}@example.com`;
const reseller = `trend-reseller-${tag}@example.com`;
const resellerName = `Trend ${tag}`;
let t: TestApp;
let server: Listening;
let browser: Browser;
let license: SeededLicense;
let resellerId: string;

beforeAll(async () => {
  ensureBuilt({ quiet: true });
  t = await startTestApp();
  server = await t.listen();
  await t.app.services.staff.create('operator', { email: vendor, role: 'VENDOR_ADMIN', password: PASSWORD });
  const { staff } = await t.app.services.staff.create('operator', { email: reseller, role: 'RESELLER_ADMIN', reseller: resellerName, password: PASSWORD });
  resellerId = staff.resellerId!;
  // One seat, taken; a second machine is refused: one activation and one refusal today, the reseller's only ones.
  license = await t.seed.license({ seats: 1, expiresInDays: 10 });
  await t.app.database.prisma.license.update({ where: { id: license.id }, data: { resellerId } });
  const taken = await t.gql(ACTIVATE, { input: machine(license, `trend-${tag}-1`) });
  expect(taken.data.activateMachine.__typename).toBe('ActivateMachineSuccess');
  const refused = await t.gql(ACTIVATE, { input: machine(license, `trend-${tag}-2`) });
  expect(refused.data.activateMachine.code).toBe('NO_FREE_SLOT');
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const open = (email: string, width?: number) => openDashboard(browser, server.url, { email, password: PASSWORD }, width);
const goTo = (page: Page, path: string) => page.goto(`${server.url}/admin/${path}`);

describe('the home page', () => {
  it("shows a reseller admin their renewals due, machines activated and activations refused, and no other reseller's trend", async () => {
    const { context, page, errors } = await open(reseller);
    await expect.poll(() => page.getByTestId('activations-30-days').textContent()).toBe('1');
    await expect(page.getByTestId('refused-30-days').textContent()).resolves.toBe('1');
    await page.getByText('No free seat: customers who may need more').waitFor();
    await expect.poll(() => page.getByTestId('expiring-soon').textContent()).toBe('1');
    const chart = page.getByTestId('activation-chart');
    await expect(chart.getAttribute('aria-label')).resolves.toBe('Activations per day: 1 activated and 1 refused in 30 days');
    await expect(page.getByTestId('reseller-trend').count()).resolves.toBe(0);
    await screenshot(page, 'home-reseller');
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);

  it("shows the vendor each reseller's trend: seats in use now and their change, machines activated, activations refused", async () => {
    const { context, page, errors } = await open(vendor);
    const row = page.getByTestId('reseller-trend').getByRole('row', { name: new RegExp(`^${resellerName}\\b`) });
    await row.waitFor();
    const cells = await row.getByRole('cell').allTextContents();
    // Reseller, in use now, change over 30 days, sparkline, activated, refused.
    expect([cells[0], cells[1], cells[2], cells[4], cells[5]]).toEqual([resellerName, '1', '+1', '1', '1']);
    await expect(row.getByRole('img').getAttribute('aria-label')).resolves.toBe(`${resellerName}: seats in use from 0 to 1`);
    expect(Number(await page.getByTestId('refused-30-days').textContent())).toBeGreaterThanOrEqual(1);
    await screenshot(page, 'home-vendor');
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);

  it('fits a phone (390 px) for both roles, the figures and the trend table included', async () => {
    for (const [email, ready] of [
      [reseller, 'activation-chart'],
      [vendor, 'reseller-trend'],
    ] as const) {
      const { context, page, errors } = await open(email, 390);
      await page.getByTestId(ready).waitFor();
      await screenshot(page, `home-phone-${email === vendor ? 'vendor' : 'reseller'}`);
      await expect(page.evaluate(() => document.documentElement.scrollWidth), email).resolves.toBeLessThanOrEqual(390);
      // Judged before any scrolling: on a phone the app bar, and the title in it, hides while the page scrolls down.
      const counts = await axe(page, `${email === vendor ? 'vendor' : 'reseller'} home at 390 px`);
      expect({ serious: counts.serious, critical: counts.critical }).toEqual({ serious: 0, critical: 0 });
      // The page's title keeps its place in the app bar: the theme and language switches are in the user menu.
      const title = (await page.locator('header h1').boundingBox())!;
      expect(title.width, 'the title is shown').toBeGreaterThan(50);
      // The last column of the widest table is reached by scrolling the table, not cut off.
      const table = page.getByTestId(email === vendor ? 'reseller-trend' : 'activation-chart');
      const last = email === vendor ? table.getByRole('columnheader', { name: 'Refused' }) : table;
      // The wheel over the table's first cell (its middle may lie below the screen when many resellers sold).
      await (email === vendor ? table.getByRole('columnheader').first() : table).hover();
      // A wheel scroll lands a frame or more later: wheel again until the column is in (as a user would).
      await expect
        .poll(async () => {
          await page.mouse.wheel(600, 0);
          const box = (await last.boundingBox())!;
          return box.x + box.width;
        }, { message: email })
        .toBeLessThanOrEqual(390);
      expect(errors).toEqual([]);
      if (email === reseller) {
        // On a phone react-admin's app bar hides while the page scrolls down: back to the top.
        await page.evaluate(() => window.scrollTo(0, 0));
        await page.getByRole('button', { name: 'Account' }).click();
        await page.getByRole('menuitem', { name: 'Русский' }).click();
        await page.getByText('Продано мест').waitFor();
        await page.getByRole('button', { name: 'Аккаунт' }).click();
        await page.getByRole('menuitem', { name: 'Переключить тему' }).click();
        await expect.poll(() => page.evaluate(() => getComputedStyle(document.body).backgroundColor)).not.toBe('rgb(250, 250, 251)');
        await screenshot(page, 'home-phone-reseller-ru-dark');
      }
      await context.close();
    }
  }, 60_000);

  it('names the customer and the product of each machine in the live feed', async () => {
    const { context, page, errors } = await open(reseller);
    await page.getByTestId('live-status').first().getByText('Live').waitFor();
    const other = await t.seed.license({ seats: 2 });
    await t.app.database.prisma.license.update({ where: { id: other.id }, data: { resellerId } });
    const activated = await t.gql(ACTIVATE, { input: machine(other, `feed-${tag}`) });
    expect(activated.data.activateMachine.__typename).toBe('ActivateMachineSuccess');
    const entry = page.getByTestId('live-feed').getByRole('listitem').filter({ hasText: `PC-feed-${tag}` });
    await entry.getByText(`PC-feed-${tag} (alice) activated — ${other.email}, Test Plug-in`).waitFor();
    await expect(entry.getByText('Activated', { exact: true }).count()).resolves.toBe(1);
    await screenshot(page, 'home-live-feed-names');
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);
});

describe('theme and language', () => {
  it('switches to the dark theme from the app bar, and axe finds no serious or critical violation on its pages', async () => {
    const { context, page, errors } = await open(vendor);
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const light = await background();
    await page.getByRole('button', { name: 'Toggle light/dark mode' }).click();
    await expect.poll(background).not.toBe(light);
    const [r, g, b] = (await background()).match(/\d+/g)!.map(Number);
    expect(r! + g! + b!, 'a dark background').toBeLessThan(3 * 100);
    await page.getByTestId('activation-chart').waitFor();
    await screenshot(page, 'home-dark');
    const found: Record<string, AxeCounts> = { 'dark home': await axe(page, 'dark home') };
    for (const [path, ready] of [
      [only('licenses', { customerEmail: license.email }), license.email],
      [`licenses/${license.id}/show`, 'Machines holding a slot'],
      [only('activations', { q: `PC-trend-${tag}-1` }), `PC-trend-${tag}-1`],
      [only('customers', { q: license.email }), license.email],
      ['products', 'Test Plug-in'],
      ['audit', 'Who'],
      ['licenses/create', 'Customer e-mail'],
    ] as const) {
      await goTo(page, path);
      await page.getByText(ready).first().waitFor();
      found[`dark ${path}`] = await axe(page, `dark ${path}`);
    }
    await screenshot(page, 'license-create-dark');
    // The choice outlives a reload (react-admin keeps it in local storage).
    await page.reload();
    await page.getByText('Customer e-mail').first().waitFor();
    expect(await background()).not.toBe(light);
    console.log(`axe over ${Object.keys(found).length} dark pages: ${JSON.stringify(totalAxe(found))}`);
    for (const [name, counts] of Object.entries(found)) expect({ page: name, serious: counts.serious, critical: counts.critical }).toEqual({ page: name, serious: 0, critical: 0 });
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);

  it('switches to Russian from the app bar: react-admin, the menu, the home figures and the page language', async () => {
    const { context, page, errors } = await open(reseller);
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('menuitem', { name: 'Русский' }).click();
    await page.getByText('Продано мест').waitFor();
    await page.getByText('Отказано в активации за 30 дней').waitFor();
    await page.getByText('Активность мест').waitFor();
    await expect(page.getByRole('menuitem', { name: 'Лицензии' }).isVisible()).resolves.toBe(true);
    await expect(page.evaluate(() => document.documentElement.lang)).resolves.toBe('ru');
    await page.getByTestId('mail-banner').getByText('Почта не настроена (нет SMTP_URL)').waitFor();
    await expect(page.getByRole('menuitem', { name: 'API-токены' }).isVisible()).resolves.toBe(true);
    const found: Record<string, AxeCounts> = { 'ru home': await axe(page, 'ru home') };
    await screenshot(page, 'home-russian');
    await page.getByRole('menuitem', { name: 'Лицензии' }).click();
    // react-admin's own words (its community translation) and our column labels.
    await page.getByRole('button', { name: 'Экспорт' }).waitFor();
    await page.getByRole('columnheader', { name: 'Занято мест' }).waitFor();
    await page.getByRole('link', { name: 'Выдать лицензию' }).waitFor();
    await expect(page.getByText('Действует', { exact: true }).first().isVisible()).resolves.toBe(true);
    found['ru licenses'] = await axe(page, 'ru licenses');
    await screenshot(page, 'licenses-russian');
    await goTo(page, 'mail');
    await page.getByText('Не найдено').first().waitFor();
    console.log(`axe over ${Object.keys(found).length} Russian pages: ${JSON.stringify(totalAxe(found))}`);
    for (const [name, counts] of Object.entries(found)) expect({ page: name, serious: counts.serious, critical: counts.critical }).toEqual({ page: name, serious: 0, critical: 0 });
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);
});

describe('axe', () => {
  it('judges a form once its inputs have loaded their choices (a slow reseller list once failed the staff form on PostgreSQL)', async () => {
    const { context, page, errors } = await open(vendor);
    await page.route('**/graphql', async (route) => {
      if (/\bresellers\(/.test(route.request().postData() ?? '')) await new Promise((resolve) => setTimeout(resolve, 2_000));
      await route.continue();
    });
    await goTo(page, 'staff/create');
    await page.getByText('Role').first().waitFor();
    const counts = await axe(page, 'vendor staff/create, resellers slow');
    expect({ serious: counts.serious, critical: counts.critical }).toEqual({ serious: 0, critical: 0 });
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);
});

describe('lists', () => {
  it("exports a reseller's activations with worded column headers", async () => {
    const { context, page, errors } = await open(reseller);
    await goTo(page, 'activations');
    await page.getByText(`PC-trend-${tag}-1`).first().waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export' }).click()]);
    const csv = readFileSync((await download.path())!, 'utf8').split('\r\n');
    expect(csv[0]).toBe('Machine,OS user,Customer e-mail,Product,License ID,Activated,Last seen,Released,Release reason');
    expect(csv.find((line) => line.startsWith(`PC-trend-${tag}-1,`))).toContain(`,alice,${license.email},${license.product},${license.id},`);
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);

  it('keeps the license filter bar on one line at 1,366 px', async () => {
    const { context, page, errors } = await open(vendor, 1366);
    await goTo(page, only('licenses', { customerEmail: license.email }));
    await page.getByText(license.email).first().waitFor();
    const boxes = await page.locator('.RaFilterForm-filterFormInput').evaluateAll((inputs) => inputs.map((input) => input.getBoundingClientRect().toJSON() as DOMRect));
    expect(boxes.length).toBeGreaterThanOrEqual(4);
    // One line: every filter starts above the bottom of every other (the search box is a little lower than the selects).
    expect(Math.max(...boxes.map((box) => box.top)), JSON.stringify(boxes)).toBeLessThan(Math.min(...boxes.map((box) => box.bottom)));
    // The list's actions sit on the same line, to the right of the filters.
    const exportBox = (await page.getByRole('button', { name: 'Export' }).boundingBox())!;
    expect(exportBox.y).toBeLessThan(boxes[0]!.bottom);
    expect(exportBox.x).toBeGreaterThan(Math.max(...boxes.map((box) => box.right)));
    await screenshot(page, 'licenses-1366');
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);
});

describe('a reseller admin at vendor-only URLs', () => {
  it('gets a page that says "not found", never a blank one', async () => {
    const { context, page, errors } = await open(reseller);
    const product = await t.app.database.prisma.product.findUniqueOrThrow({ where: { code: license.product } });
    for (const path of ['mail', 'trials', 'staff', 'staff/create', 'resellers', `resellers/${resellerId}`, `products/${product.id}`, 'products/create']) {
      await goTo(page, path);
      await page.getByRole('heading', { name: 'Not found', level: 2 }).waitFor();
      await expect(page.getByRole('link', { name: 'Go to the home page' }).isVisible(), path).resolves.toBe(true);
    }
    await screenshot(page, 'reseller-vendor-url');
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);
});
