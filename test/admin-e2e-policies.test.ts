// The seat policies in the dashboard, end to end in real Chromium against a server started here: a
// vendor admin creates a product with a lease, borrowing, overage, a trial and entitlements in the
// form and reads them back in words; issues a license with a subset of the entitlements; watches a
// license run over its seats, a machine be denied, lapsed slots heal (the in-transaction reclaim,
// with this app's clock moved past the lease) and a trial start and lead to a purchase — on the
// license, customer, trials and home pages (the chart read through its words, not its pixels).
// axe-core checks each page changed for it.
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../packages/admin/scripts/build-if-stale.mjs';
import type { Listening } from '@slotkeeper/api/server';
import { type TestApp, startTestApp } from './support/app.ts';
import { axe } from './support/axe.ts';
import { launchBrowser, only, openDashboard, screenshot } from './support/browser.ts';
import { ACTIVATE, machine } from './support/operations.ts';

const PASSWORD = 'Dashboard-Pass-2026!';
const WIDTH = 1366;
const PHONE = 390;
const tag = randomBytes(3).toString('hex');
const vendor = `policy-vendor-${tag}@example.com`;
const code = `pol-${tag}`;
const name = `Policy Tools ${tag}`;
const buyer = `policy-buyer-${tag}@example.com`;
const lead = `policy-lead-${tag}@example.com`;
let t: TestApp;
let server: Listening;
let browser: Browser;
let licenseId = '';
let customerId = '';

const START_TRIAL = /* GraphQL */ `
  mutation($input: StartTrialInput!) {
    startTrial(input: $input) {
      __typename
      ... on StartTrialSuccess { token expiresAt }
      ... on Error { code message }
    }
  }
`;

beforeAll(async () => {
  ensureBuilt({ quiet: true });
  t = await startTestApp();
  server = await t.listen();
  await t.app.services.staff.create('operator', { email: vendor, role: 'VENDOR_ADMIN', password: PASSWORD });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const open = (width = WIDTH) => openDashboard(browser, server.url, { email: vendor, password: PASSWORD }, width);
// The live subscription keeps a request open: pages are ready when their content shows, not at network idle.
const goTo = (page: Page, path: string) => page.goto(`${server.url}/admin/${path}`);

/** No serious or critical axe-core violation on the page as it is now. */
async function accessible(page: Page, name: string) {
  const counts = await axe(page, name);
  expect({ page: name, serious: counts.serious, critical: counts.critical }).toEqual({ page: name, serious: 0, critical: 0 });
}

const activate = async (fingerprint: string, password: string) =>
  (await t.gql(ACTIVATE, { input: machine({ email: buyer, password, product: code }, fingerprint) })).data.activateMachine;

/** The generated password of a new login, from the credentials message the outbox holds (no SMTP here). */
async function passwordOf(email: string) {
  const message = await t.app.database.prisma.mailMessage.findFirstOrThrow({ where: { to: email, template: 'credentials' } });
  return t.mailLine(message, 'Password');
}

describe('seat policies in the dashboard', () => {
  it('a product created in the form shows its lease, borrowing, overage, trial and entitlements in words', async () => {
    const { context, page, errors } = await open();
    await goTo(page, 'products/create');
    await page.locator('input[name="code"]').fill(code);
    await page.getByLabel('Name').fill(name);
    await page.getByLabel('Lease', { exact: true }).fill('30m');
    await page.getByLabel('Max borrow').fill('7d');
    await page.getByLabel('Overage (%)').fill('50');
    await page.getByLabel('Trial', { exact: true }).fill('14d');
    await page.getByLabel('Entitlements').fill('ifc-export, batch');
    // A duration the CLI would refuse is refused under its field.
    await page.getByLabel('Revival window').fill('1w');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('A duration such as 30m, 12h or 7d, or "none"').waitFor();
    await page.getByLabel('Revival window').fill('');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/admin\/products$/);
    // The list filtered to this product: on PostgreSQL every test file shares one schema, and other
    // files' products come before this one in code order, off the first page.
    await goTo(page, only('products', { q: code }));

    const stored = await t.app.database.prisma.product.findUniqueOrThrow({ where: { code } });
    expect(stored).toMatchObject({ leaseSeconds: 1800, maxBorrowSeconds: 7 * 86_400, overagePercent: 50, trialSeconds: 14 * 86_400, revivalWindowSeconds: null, entitlements: ['ifc-export', 'batch'] });

    const row = page.getByRole('row', { name: new RegExp(code) });
    await row.waitFor();
    const cells = await row.getByRole('cell').allTextContents();
    expect(cells).toEqual(expect.arrayContaining([name, '30 min', 'up to 7 days', '50 %', '14 days', 'ifc-export, batch']));
    await screenshot(page, 'policies-product-list');
    await accessible(page, 'product list');

    await row.click();
    await page.waitForURL(new RegExp(`/admin/products/${stored.id}$`));
    const policy = page.getByTestId('seat-policy');
    await policy.waitFor();
    const shown = (await policy.locator('dd').allTextContents());
    expect(shown).toEqual(['30 min lease', 'up to 7 days', 'while the license lives', '50 % over the seats', '14 days per machine', 'ifc-export, batch']);
    // The inputs show the durations as they are typed.
    await expect(page.getByLabel('Lease', { exact: true }).inputValue()).resolves.toBe('30m');
    await expect(page.getByLabel('Entitlements').inputValue()).resolves.toBe('ifc-export, batch');
    await screenshot(page, 'policies-product-edit');
    await accessible(page, 'product edit');
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);

  it('a license issued with a subset of the entitlements shows them; over its seats it says so; a denial and lapsed slots show on its page', async () => {
    const { context, page, errors } = await open();
    await goTo(page, 'licenses/create');
    await page.locator('input[name="email"]').fill(buyer);
    await page.getByRole('combobox', { name: 'Product' }).click();
    await page.getByRole('option', { name: new RegExp(name) }).click();
    await page.getByRole('listbox').waitFor({ state: 'hidden' });
    // All of the product's features are ticked; untick one.
    const batch = page.getByRole('checkbox', { name: 'batch' });
    await expect(batch.isChecked()).resolves.toBe(true);
    await expect(page.getByRole('checkbox', { name: 'ifc-export' }).isChecked()).resolves.toBe(true);
    await batch.uncheck();
    await page.locator('input[name="seats"]').fill('1');
    await screenshot(page, 'policies-license-create');
    await accessible(page, 'license create');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/admin\/licenses\/[^/]+\/show$/);
    licenseId = /licenses\/([^/]+)\/show/.exec(page.url())![1]!;
    await expect(page.getByTestId('entitlements').textContent()).resolves.toBe('ifc-export');
    await page.getByText('Of ifc-export, batch').waitFor();
    await page.getByTestId('denied').getByText('Not denied in the last 30 days').waitFor();
    const license = await t.app.database.prisma.license.findUniqueOrThrow({ where: { id: licenseId } });
    expect(license.entitlements).toEqual(['ifc-export']);
    customerId = license.customerId;

    // One seat, 50 % overage: two machines fit (the second over the seats), a third is denied.
    const password = await passwordOf(buyer);
    const first = await activate(`a-${tag}`, password);
    const second = await activate(`b-${tag}`, password);
    const third = await activate(`c-${tag}`, password);
    expect([first.__typename, second.__typename, third.__typename]).toEqual(['ActivateMachineSuccess', 'ActivateMachineSuccess', 'NoFreeSlotError']);
    await page.reload();
    await page.getByTestId('seats').filter({ hasText: '2 / 1' }).first().waitFor();
    await page.getByTestId('over-seats').getByText('+1 over').waitFor();
    await page.getByTestId('overage').getByText(`1 machine(s) over its 1 seat(s), within ${name}'s 50 % overage.`).waitFor();
    await page.getByTestId('denied').getByText('Denied 1 time in the last 30 days').waitFor();
    await screenshot(page, 'policies-license-over');

    // Past the 30-minute lease, unrenewed: a new machine finds the license full, and the activation reclaims both lapsed slots.
    t.clock.advance(31 * 60_000);
    try {
      const fourth = await activate(`d-${tag}`, password);
      expect(fourth.__typename).toBe('ActivateMachineSuccess');
    } finally {
      t.clock.advance(-31 * 60_000);
    }
    const released = await t.app.database.prisma.activation.findMany({ where: { licenseId, releaseReason: 'LEASE_EXPIRED' } });
    expect(released.map((a) => a.machineName).sort()).toEqual([`PC-a-${tag}`, `PC-b-${tag}`]);

    await page.reload();
    await page.getByTestId('seats').filter({ hasText: '1 / 1' }).first().waitFor();
    const history = page.getByRole('row', { name: /Lease expired/ });
    await history.first().waitFor();
    const lines = await history.allTextContents();
    expect(lines).toHaveLength(2);
    for (const machineName of [`PC-a-${tag}`, `PC-b-${tag}`]) {
      expect(lines.some((l) => l.includes(`Seat released from ${machineName} (alice): its token expired`) && l.endsWith('unrenewed, reclaimed for a new activation'))).toBe(true);
    }
    expect(await page.getByTestId('over-seats').count()).toBe(0);
    await screenshot(page, 'policies-license-healed');
    await accessible(page, 'license show');

    // The customer page sums the denials of the customer's licenses, and lists them per license.
    await goTo(page, `customers/${customerId}/show`);
    await page.getByTestId('denied').getByText('Denied 1 time in the last 30 days').waitFor();
    const licenseRow = page.getByRole('row', { name: new RegExp(name) });
    await expect(licenseRow.getByRole('cell').allTextContents()).resolves.toContain('1');
    await screenshot(page, 'policies-customer');
    await accessible(page, 'customer show');

    // The home page's chart: the denial beside the seats in use, in its legend and its label.
    await goTo(page, '');
    const today = new Date().toISOString().slice(0, 10);
    const chart = page.getByTestId('seat-chart');
    await chart.waitFor();
    const label = (await chart.getAttribute('aria-label'))!;
    expect(label).toMatch(/^Seats in use per day, \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2}: at most \d+\. Activations denied for want of a free seat: \d+, most on \d{4}-\d{2}-\d{2} \(\d+\)\.$/);
    expect(label).toContain(`to ${today}:`);
    const bar = chart.locator(`rect[data-day="${today}"]`);
    // This file's database may hold other files' denials (PostgreSQL runs share it): at least this one.
    expect(Number(await bar.getAttribute('data-denied'))).toBeGreaterThanOrEqual(1);
    await expect(bar.locator('title').textContent()).resolves.toMatch(new RegExp(`^${today}: \\d+ activation\\(s\\) denied, no free seat$`));
    await expect(page.getByTestId('chart-denied').textContent()).resolves.toMatch(/^Denied, no free seat: \d+, most on \d{4}-\d{2}-\d{2} \(\d+\)$/);
    await screenshot(page, 'policies-home');
    await accessible(page, 'home');
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);

  it('a trial shows on the trials page with its machine, lead and expiry, then the purchase it led to', async () => {
    const started = await t.gql(START_TRIAL, { input: { product: code, fingerprint: `trial-${tag}`, machineName: `TRIAL-${tag}`, osUser: 'bob', email: lead } });
    expect(started.data.startTrial.__typename).toBe('StartTrialSuccess');
    const { context, page, errors } = await open();
    await goTo(page, `trials?filter=${encodeURIComponent(JSON.stringify({ email: lead }))}`);
    const row = page.getByRole('row', { name: new RegExp(`TRIAL-${tag}`) });
    await row.waitFor();
    const expires = new Date(started.data.startTrial.expiresAt).toLocaleString('en-US', { timeZone: 'UTC' });
    expect(await row.getByRole('cell').allTextContents()).toEqual(expect.arrayContaining([`${name} (${code})`, lead, `TRIAL-${tag} (bob)`, expires, 'not yet']));
    await screenshot(page, 'policies-trials');
    await accessible(page, 'trials');

    // The lead buys: the trial links to the license, whose history says so.
    const issued = await t.app.services.licenses.issue('operator', { email: lead, product: code, seats: 1, expiresAt: new Date(Date.now() + 365 * 86_400_000) });
    await page.reload();
    await row.getByRole('link', { name: `License of ${lead}` }).click();
    await page.waitForURL(new RegExp(`/licenses/${issued.license.id}/show$`));
    const bought = page.getByRole('row', { name: /Trial bought/ });
    await bought.waitFor();
    expect(await bought.textContent()).toContain(`${lead} bought after the trial on TRIAL-${tag} (bob) of `);

    // The audit log has the start itself, with the lead.
    await goTo(page, `audit?filter=${encodeURIComponent(JSON.stringify({ action: 'trial.started' }))}`);
    await page.getByRole('row', { name: new RegExp(`TRIAL-${tag} \\(bob\\) of ${code}, lead ${lead}`) }).waitFor();
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);

  it('the changed pages fit a phone', async () => {
    const { context, page, errors } = await open(PHONE);
    for (const [path, ready, shot] of [
      [only('products', { q: code }), `${name} (${code})`, 'phone-policies-products'],
      [`licenses/${licenseId}/show`, 'Denied 1 time in the last 30 days', 'phone-policies-license'],
      [`customers/${customerId}/show`, 'Denied 1 time in the last 30 days', 'phone-policies-customer'],
      ['', 'Denied, no free seat:', 'phone-policies-home'],
      [only('trials', { email: lead }), `TRIAL-${tag} (bob)`, 'phone-policies-trials'],
    ] as const) {
      await goTo(page, path);
      await page.locator('main').getByText(ready).first().waitFor();
      await screenshot(page, shot);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      console.log(`${shot} at ${PHONE} px: ${width} px wide`);
      expect(width, shot).toBeLessThanOrEqual(PHONE);
    }
    // On a phone the product list says the policy in a line.
    await goTo(page, only('products', { q: code }));
    await page.getByText('Lease 30 min · overage 50 % · trial 14 days').waitFor();
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);
});
