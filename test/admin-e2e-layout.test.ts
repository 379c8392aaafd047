// The dashboard's layout and accessibility in real Chromium: at a phone's width (390 px) the lists
// fit the screen with every action reachable; axe-core finds no serious or critical violation on
// any page; a license opens from the list with the keyboard alone.
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../packages/admin/scripts/build-if-stale.mjs';
import type { Listening } from '@slotkeeper/api/server';
import { type TestApp, startTestApp } from './support/app.ts';
import { type AxeCounts, axe, totalAxe } from './support/axe.ts';
import { launchBrowser, only, openDashboard, screenshot } from './support/browser.ts';
import { ACTIVATE, machine } from './support/operations.ts';
import { PASSWORD as SEED_PASSWORD } from './support/seed.ts';

const PASSWORD = 'Dashboard-Pass-2026!';
const PHONE = 390;
const tag = randomBytes(3).toString('hex');
const vendor = `layout-vendor-${tag}@example.com`;
const reseller = `layout-reseller-${tag}@example.com`;
let t: TestApp;
let server: Listening;
let browser: Browser;
let license: { id: string; email: string; customerId: string; productId: string; resellerId: string };

beforeAll(async () => {
  ensureBuilt({ quiet: true });
  t = await startTestApp();
  server = await t.listen();
  await t.app.services.staff.create('operator', { email: vendor, role: 'VENDOR_ADMIN', password: PASSWORD });
  const { staff } = await t.app.services.staff.create('operator', { email: reseller, role: 'RESELLER_ADMIN', reseller: `Layout ${tag}`, password: PASSWORD });
  // A license of the reseller's with a machine holding a slot, and so an audit trail, on every list.
  const seeded = await t.seed.license({ seats: 3 });
  await t.app.database.prisma.license.update({ where: { id: seeded.id }, data: { resellerId: staff.resellerId } });
  const activated = await t.gql(ACTIVATE, { input: machine({ email: seeded.email, password: SEED_PASSWORD, product: seeded.product }, `layout-${tag}`) });
  expect(activated.data.activateMachine.__typename).toBe('ActivateMachineSuccess');
  await t.app.database.prisma.auditEvent.create({
    data: { actor: `staff:${reseller}`, action: 'license.issued', subject: `license:${seeded.id}`, resellerId: staff.resellerId, data: { seats: 3 } },
  });
  await t.app.database.prisma.mailMessage.create({ data: { to: seeded.email, template: 'credentials', data: {}, status: 'HELD' } });
  const productId = (await t.app.database.prisma.product.findUniqueOrThrow({ where: { code: seeded.product } })).id;
  license = { id: seeded.id, email: seeded.email, customerId: seeded.customerId, productId, resellerId: staff.resellerId! };
  // No SMTP_URL here: the worker holds every mail in the outbox.
  t.app.mailWorker.start();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const open = (email: string, width?: number) => openDashboard(browser, server.url, { email, password: PASSWORD }, width);

// The live subscription keeps a request open: pages are ready when their content shows, not at network idle.
const goTo = (page: Page, path: string) => page.goto(`${server.url}/admin/${path}`);

describe('at a phone width', () => {
  it('the licenses, activations and audit lists fit 390 px, and Issue license, Export and the user menu are on screen', async () => {
    const { context, page, errors } = await open(reseller, PHONE);
    const fits = async (name: string) => {
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      console.log(`${name} at ${PHONE} px: ${width} px wide`);
      await screenshot(page, `phone-${name}`);
      expect(width, name).toBeLessThanOrEqual(PHONE);
      await expect(page.getByRole('button', { name: /^Account/ }).isVisible()).resolves.toBe(true);
    };
    await goTo(page, 'licenses');
    await page.getByText(license.email).first().waitFor();
    await fits('licenses');
    for (const name of ['Issue license', 'Export']) {
      const action = page.getByRole(name === 'Export' ? 'button' : 'link', { name });
      await expect(action.isVisible(), name).resolves.toBe(true);
      const box = (await action.boundingBox())!;
      expect(box.x + box.width, name).toBeLessThanOrEqual(PHONE);
    }
    // A row still opens its license, where every license action is.
    await page.getByText(license.email).first().click();
    await page.waitForURL(/\/licenses\/[^/]+\/show$/);
    await page.getByRole('button', { name: 'Change seats' }).waitFor();
    await fits('license-show');

    await goTo(page, 'activations');
    await page.getByText(`PC-layout-${tag} (alice)`).waitFor();
    await fits('activations');
    await goTo(page, 'audit');
    await page.getByText('License issued').first().waitFor();
    await fits('audit');
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);
});

describe('accessibility', () => {
  it('axe-core finds no serious or critical violation on any page, for either role', async () => {
    const found: Record<string, AxeCounts> = {};
    const login = await browser.newPage();
    await login.goto(`${server.url}/admin/login`);
    await login.locator('input[name="username"]').waitFor();
    found.login = await axe(login, 'login');
    await login.close();

    const pages = async (email: string, role: string, paths: [string, string][]) => {
      const { context, page } = await open(email);
      found[`${role} home`] = await axe(page, `${role} home`);
      for (const [path, ready] of paths) {
        await goTo(page, path);
        await page.getByText(ready).first().waitFor();
        found[`${role} ${path}`] = await axe(page, `${role} ${path}`);
      }
      await context.close();
    };
    await pages(reseller, 'reseller', [
      ['licenses', license.email],
      [`licenses/${license.id}/show`, 'Machines holding a slot'],
      ['licenses/create', 'Customer e-mail'],
      ['customers', license.email],
      ['activations', `PC-layout-${tag}`],
      ['audit', 'License issued'],
      ['password', 'Current password'],
      ['apiTokens/create', 'What uses it'],
      ['staff', 'Either you typed a wrong URL'],
      ['products', 'Either you typed a wrong URL'],
    ]);
    await pages(vendor, 'vendor', [
      [only('licenses', { customerEmail: license.email }), license.email],
      [only('resellers', { q: `Layout ${tag}` }), `Layout ${tag}`],
      ['resellers/create', 'Name'],
      ['products', 'Test Plug-in'],
      ['products/create', 'Code'],
      [only('staff', { q: reseller }), reseller],
      ['staff/create', 'Role'],
      [only('mail', { to: license.email }), license.email],
      ['apiTokens/create', 'It acts on the API as a staff member of this role'],
      ['audit', 'License issued'],
      [`products/${license.productId}`, 'Seat policy'],
      ['trials', 'No trial yet'],
      [`resellers/${license.resellerId}`, 'Merge into another reseller'],
      [`customers/${license.customerId}/edit`, 'Login e-mail'],
      [`search?q=${encodeURIComponent(license.email)}`, 'Machines holding a slot'],
    ]);
    console.log(`axe over ${Object.keys(found).length} pages: ${JSON.stringify(totalAxe(found))}`);
    for (const [name, counts] of Object.entries(found)) expect({ page: name, serious: counts.serious, critical: counts.critical }).toEqual({ page: name, serious: 0, critical: 0 });
  }, 180_000);

  it('a license opens from the list with the keyboard alone', async () => {
    const { context, page } = await open(reseller);
    await goTo(page, 'licenses');
    await page.getByText(license.email).first().waitFor();
    let focused = '';
    for (let presses = 0; presses < 40 && !focused.includes(license.email); presses++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => document.activeElement?.textContent ?? '');
    }
    expect(focused).toContain(license.email);
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`/licenses/${license.id}/show$`));
    await page.getByText('Machines holding a slot').waitFor();
    await context.close();
  }, 60_000);
});

describe('with no SMTP server', () => {
  it('says so in a banner and in the confirmation, and a vendor admin opens the held message with its password', async () => {
    const { context, page, errors } = await open(vendor);
    await page.getByTestId('mail-banner').getByText('E-mail is not configured').waitFor();
    await page.goto(`${server.url}/admin/customers/${license.customerId}/show`);
    await page.getByRole('button', { name: 'Resend credentials' }).click();
    await page.getByRole('dialog').getByText('the message will be held in the outbox, not sent').waitFor();
    await page.getByRole('dialog').getByRole('button', { name: 'Send new password' }).click();
    await page.getByText(`The e-mail with it to ${license.email} was NOT sent: e-mail is not configured on this server`).waitFor();
    await screenshot(page, 'resend-held');

    await page.getByTestId('mail-banner').getByRole('link', { name: 'Mail outbox' }).click();
    await page.waitForURL(/\/admin\/mail\?/);
    await page.getByPlaceholder('Address', { exact: true }).fill(license.email);
    // Newest first: the message just held (the worker holds it within a pass).
    const row = page.getByRole('row', { name: new RegExp(`${license.email}.*Held`) }).first();
    await row.waitFor({ timeout: 15_000 });
    await row.getByRole('button', { name: `Open the e-mail to ${license.email}` }).click();
    const text = page.getByTestId('opened-mail-text');
    await text.getByText(`Login: ${license.email}`).waitFor();
    const password = /^Password: (.+)$/m.exec((await text.textContent())!)?.[1];
    expect(password).toMatch(/^[A-Za-z0-9]{5}(-[A-Za-z0-9]{5}){3}$/);
    await screenshot(page, 'mail-opened');
    const counts = await axe(page, 'vendor opened mail');
    expect({ serious: counts.serious, critical: counts.critical }).toEqual({ serious: 0, critical: 0 });
    const opened = await t.app.database.prisma.auditEvent.findFirst({ where: { action: 'mail.opened', actor: vendor } });
    expect(opened).not.toBeNull();
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);
});
