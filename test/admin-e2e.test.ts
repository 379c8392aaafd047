// The dashboard end to end, in real Chromium, against a server started here that serves the built
// dashboard: a reseller admin issues a license, a plug-in activates with the e-mailed credentials,
// the license page shows it live, the admin releases it and the plug-in's renewal is refused.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../packages/admin/scripts/build-if-stale.mjs';
import { dashboardRoute } from '@slotkeeper/api/admin-static';
import type { Listening } from '@slotkeeper/api/server';
import { type TestApp, startTestApp } from './support/app.ts';
import { launchBrowser, openDashboard, screenshot } from './support/browser.ts';
import { ACTIVATE, LOG_IN, RENEW, machine } from './support/operations.ts';
import { PASSWORD as SEED_PASSWORD } from './support/seed.ts';
import { TestSmtpServer, line } from './support/smtp.ts';
import { type Receiver, signatureHeaders, startReceiver } from './support/webhook-receiver.ts';
import { Webhook } from 'standardwebhooks';

const PASSWORD = 'Dashboard-Pass-2026!';
const tag = randomBytes(3).toString('hex');
const smtp = new TestSmtpServer();
let t: TestApp;
let server: Listening;
let browser: Browser;
let product: { code: string; name: string };
const staff = {
  resellerA: `admin-a-${tag}@example.com`,
  resellerB: `admin-b-${tag}@example.com`,
  vendor: `vendor-${tag}@example.com`,
};
let otherLicense: { id: string; email: string; product: string };

beforeAll(async () => {
  ensureBuilt({ quiet: true });
  await smtp.start();
  // Webhook endpoints here point at a receiver on this machine.
  t = await startTestApp({ config: { smtpUrl: smtp.url, webhooks: { retryBaseSeconds: 1, timeoutSeconds: 5, allowPrivate: true } } });
  t.app.mailWorker.start();
  t.app.webhookWorker.start();
  server = await t.listen();
  product = await t.app.database.prisma.product.create({
    data: { code: `e2e-${tag}`, name: `Revit Tools ${tag}`, remoteReleasesPerYear: 3 },
  });
  const create = (email: string, role: 'VENDOR_ADMIN' | 'RESELLER_ADMIN', reseller?: string) =>
    t.app.services.staff.create('operator', { email, role, reseller, password: PASSWORD });
  await create(staff.resellerA, 'RESELLER_ADMIN', `Reseller A ${tag}`);
  const b = await create(staff.resellerB, 'RESELLER_ADMIN', `Reseller B ${tag}`);
  await create(staff.vendor, 'VENDOR_ADMIN');
  const seeded = await t.seed.license({ seats: 4 });
  await t.app.database.prisma.license.update({ where: { id: seeded.id }, data: { resellerId: b.staff.resellerId } });
  otherLicense = { id: seeded.id, email: seeded.email, product: seeded.product };
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
  await smtp.stop();
});

const openAs = (email: string) => openDashboard(browser, server.url, { email, password: PASSWORD });

async function graphql<T = any>(query: string, variables: Record<string, unknown>): Promise<T> {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data: T };
  return body.data;
}

describe('dashboard in Chromium', () => {
  it('a reseller admin issues a license, sees the activation live, releases it; the plug-in is refused', async () => {
    const { context, page, errors } = await openAs(staff.resellerA);
    await screenshot(page, 'dashboard-reseller');

    // Issue a license through the UI (the purchase flow).
    await page.getByRole('menuitem', { name: 'Licenses' }).click();
    await page.getByRole('link', { name: 'Issue license' }).click();
    const customer = `buyer-${tag}@example.com`;
    await page.locator('input[name="email"]').fill(customer);
    await page.getByRole('combobox', { name: 'Product' }).click();
    await page.getByRole('option', { name: new RegExp(product.name) }).click();
    await page.getByRole('listbox').waitFor({ state: 'hidden' });
    await page.locator('input[name="seats"]').fill('2');
    await screenshot(page, 'license-create');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText(`is a new customer. The e-mail with their login is on its way to ${customer}.`).waitFor();
    await page.waitForURL(/\/admin\/licenses\/[^/]+\/show$/);
    const licenseId = /licenses\/([^/]+)\/show/.exec(page.url())![1]!;
    await page.getByText('No machine holds a slot.').waitFor();

    // The credentials e-mail reaches the SMTP server; a plug-in activates with them.
    const [mail] = await smtp.waitFor(customer);
    expect(line(mail!.text, 'Login')).toBe(customer);
    const password = line(mail!.text, 'Password');
    await page.evaluate(() => ((window as unknown as { marker: string }).marker = 'same page'));
    const started = Date.now();
    const activated = await graphql(ACTIVATE, { input: machine({ email: customer, password, product: product.code }, `e2e-${tag}`) });
    expect(activated.activateMachine.__typename).toBe('ActivateMachineSuccess');
    expect(activated.activateMachine.license.id).toBe(licenseId);
    const token: string = activated.activateMachine.token;

    // The license page shows the machine without a reload.
    const row = page.getByRole('row', { name: new RegExp(`PC-e2e-${tag}`) });
    await row.waitFor({ timeout: 5_000 });
    const liveMs = Date.now() - started;
    await page.getByTestId('seats').filter({ hasText: '1 / 2' }).first().waitFor({ timeout: 5_000 });
    expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe('same page');
    console.log(`activation visible on the license page after ${liveMs} ms`);
    await screenshot(page, 'license-show-live-activation');

    // Release it, after the confirmation.
    await row.getByRole('button', { name: 'Release' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText(`Release PC-e2e-${tag}?`).waitFor();
    await dialog.getByLabel('Reason (kept in the audit log)').fill('lost laptop');
    await screenshot(page, 'release-confirm');
    await dialog.getByRole('button', { name: 'Release' }).click();
    await page.getByText(`PC-e2e-${tag}'s slot is released.`).waitFor();
    await page.getByText('No machine holds a slot.').waitFor();
    await page.getByTestId('seats').filter({ hasText: '0 / 2' }).first().waitFor();

    const renewed = await graphql(RENEW, { token });
    expect(renewed.renewToken).toMatchObject({ __typename: 'SlotReleasedError', code: 'SLOT_RELEASED' });

    // More seats; a refused change shows the server's reason.
    await page.getByRole('button', { name: 'Change seats' }).click();
    await page.getByRole('dialog').getByLabel('Seats').fill('3');
    await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    await page.getByText('The license has 3 seat(s) now.').waitFor();
    await page.getByTestId('seats').filter({ hasText: '0 / 3' }).first().waitFor();
    await page.getByRole('button', { name: 'Extend expiry' }).click();
    await page.getByRole('dialog').getByLabel('Valid until (end of day, UTC)').fill('2001-01-01');
    await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    await page.getByText('The expiry must be a valid date after the license start.').waitFor();
    await screenshot(page, 'failed-action-notification');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

    // The release is in the audit log with its reason, and the live feed showed both events.
    await page.getByRole('menuitem', { name: 'Audit log' }).click();
    await page.getByText('lost laptop').first().waitFor();
    await screenshot(page, 'audit-reseller');
    await page.getByRole('menuitem', { name: 'Dashboard' }).click();
    const feed = page.getByTestId('live-feed');
    await feed.getByText(`PC-e2e-${tag} (alice) was released`).waitFor();
    await feed.getByText(`PC-e2e-${tag} (alice) activated`).waitFor();
    await screenshot(page, 'dashboard-live-feed');

    // Lists of the reseller's own records.
    await page.getByRole('menuitem', { name: 'Licenses' }).click();
    await page.waitForURL(/\/admin\/licenses$/);
    await page.getByRole('cell', { name: customer }).waitFor();
    await screenshot(page, 'licenses-list');
    await page.getByRole('menuitem', { name: 'Customers' }).click();
    await page.waitForURL(/\/admin\/customers$/);
    await page.getByRole('columnheader', { name: 'Since' }).waitFor();
    await page.getByRole('cell', { name: customer }).click();
    await page.waitForURL(/\/admin\/customers\/[^/]+\/show$/);
    await page.getByRole('button', { name: 'Resend credentials' }).click();
    await page.getByRole('dialog').getByText('The current password stops working').waitFor();
    await screenshot(page, 'customer-resend-confirm');
    await page.getByRole('dialog').getByRole('button', { name: 'Send new password' }).click();
    await page.getByText(`New password set. The e-mail with it is on its way to ${customer}.`).waitFor();
    const [, resent] = await smtp.waitFor(customer, 2);
    expect(line(resent!.text, 'Password')).not.toBe(password);
    await screenshot(page, 'customer-show');
    await page.getByRole('menuitem', { name: 'Activations' }).click();
    await page.getByRole('combobox', { name: 'Slots' }).waitFor();
    await screenshot(page, 'activations-list');

    // No vendor-only pages for a reseller admin, in the menu or by URL.
    for (const name of ['Resellers', 'Products', 'Staff', 'Mail outbox']) {
      expect(await page.getByRole('menuitem', { name }).count()).toBe(0);
    }
    for (const path of ['staff', 'products', 'resellers/create']) {
      await page.goto(`${server.url}/admin/${path}`);
      await page.getByText('Either you typed a wrong URL').waitFor();
      await page.getByRole('heading', { name: 'Not found', level: 1 }).waitFor();
    }

    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);

  it("a reseller admin can't open another reseller's license by URL", async () => {
    const { context, page } = await openAs(staff.resellerA);
    await page.goto(`${server.url}/admin/licenses/${otherLicense.id}/show`);
    await page.getByText('Element does not exist').waitFor();
    await page.waitForURL(/\/admin\/licenses$/);
    await screenshot(page, 'other-resellers-license');
    expect(await page.content()).not.toContain(otherLicense.email);
    await page.goto(`${server.url}/admin/customers`);
    await page.getByRole('columnheader', { name: 'E-mail' }).waitFor();
    expect(await page.content()).not.toContain(otherLicense.email);
    await context.close();
  }, 60_000);

  it('a vendor admin sees every reseller and the vendor-only pages', async () => {
    const { context, page, errors } = await openAs(staff.vendor);
    await page.getByText('By reseller').waitFor();
    // The home follows slot events live: the feed and the figures, without a reload.
    const activated = await graphql(ACTIVATE, { input: machine({ ...otherLicense, password: SEED_PASSWORD, product: otherLicense.product }, `vendor-${tag}`) });
    expect(activated.activateMachine.__typename).toBe('ActivateMachineSuccess');
    await page.getByTestId('live-feed').getByText(`PC-vendor-${tag} (alice) activated`).waitFor({ timeout: 5_000 });
    await page.getByRole('row', { name: new RegExp(`Reseller B ${tag} .*1 / 4`) }).waitFor({ timeout: 5_000 });
    await screenshot(page, 'dashboard-vendor');

    // Other test files share the database: find this file's records with the lists' search boxes.
    const search = async (menu: string, path: string, placeholder: string, text: string, cell: string) => {
      await page.getByRole('menuitem', { name: menu }).click();
      await page.waitForURL(new RegExp(`/admin/${path}$`));
      await page.getByPlaceholder(placeholder, { exact: true }).fill(text);
      // The search box writes its filter into the URL after a debounce: wait for it, or that late
      // write would take the page back here after the next menu click.
      await page.waitForURL((url) => url.pathname.endsWith(`/admin/${path}`) && url.search.includes('filter='));
      await page.getByRole('cell', { name: cell }).first().waitFor();
    };
    await search('Licenses', 'licenses', 'Customer e-mail', otherLicense.email, otherLicense.email);
    await screenshot(page, 'licenses-vendor');
    // The export's columns are named for a spreadsheet reader, not by field path.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export' }).click()]);
    const csv = readFileSync((await download.path())!, 'utf8').split('\r\n');
    expect(csv[0]).toBe('License ID,Customer e-mail,Reseller,Product,Seats,Seats used,Seats free,Status,Starts,Expires,Issued');
    expect(csv[1]).toContain(`${otherLicense.id},${otherLicense.email},Reseller B ${tag},${otherLicense.product},4,`);
    await search('Staff', 'staff', 'E-mail', tag, staff.resellerA);
    await screenshot(page, 'staff-list');
    await search('Resellers', 'resellers', 'Name', tag, `Reseller B ${tag}`);
    await search('Products', 'products', 'Code or name', tag, product.name);
    await screenshot(page, 'products-list');
    await search('Mail outbox', 'mail', 'Address', `buyer-${tag}`, `buyer-${tag}@example.com`);
    await screenshot(page, 'mail-outbox');
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);

  it("a reseller admin sees a customer's log-in lock-out and clears it; the customer logs in again", async () => {
    const resellerA = await t.app.database.prisma.staffUser.findUniqueOrThrow({ where: { email: staff.resellerA } });
    const locked = await t.seed.license();
    await t.app.database.prisma.license.update({ where: { id: locked.id }, data: { resellerId: resellerA.resellerId } });
    const logIn = (password: string) => graphql(LOG_IN, { email: locked.email, password }).then((data) => data.logIn);
    for (let i = 0; i < 5; i++) expect((await logIn(`wrong password ${i}`)).code).toBe('INVALID_CREDENTIALS');
    expect((await logIn(SEED_PASSWORD)).code).toBe('RATE_LIMITED');

    const { context, page, errors } = await openAs(staff.resellerA);
    await page.goto(`${server.url}/admin/customers/${locked.customerId}/show`);
    await page.getByText(/Locked until .* \(5 failed attempts\)/).waitFor();
    await screenshot(page, 'customer-locked-out');
    await page.getByRole('button', { name: 'Clear lock-out' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Clear lock-out' }).click();
    await page.getByText(`${locked.email} can log in again.`).waitFor();
    await page.getByText('Not locked', { exact: true }).waitFor();
    expect(await page.getByRole('button', { name: 'Clear lock-out' }).count()).toBe(0);
    expect((await logIn(SEED_PASSWORD)).__typename).toBe('LogInSuccess');
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);

  it('a reseller admin adds a webhook endpoint, sees the secret once, the delivery in its log, and sends it again', async () => {
    const receiver: Receiver = await startReceiver();
    const { context, page, errors } = await openAs(staff.resellerA);
    try {
      await page.getByRole('menuitem', { name: 'Webhooks' }).click();
      await page.getByRole('link', { name: 'Create' }).click();
      await page.getByLabel('URL').fill(receiver.url);
      await page.getByLabel('license.created').check();
      await page.getByRole('button', { name: 'Save' }).click();
      const secret = (await page.getByTestId('webhook-secret').textContent())!.trim();
      expect(secret).toMatch(/^whsec_/);
      await screenshot(page, 'webhook-secret');
      await page.getByRole('button', { name: 'Done' }).click();
      await page.getByText('Old secret signs until').waitFor();

      await t.app.services.licenses.issue('operator', {
        email: `hooked-${tag}@example.com`,
        product: product.code,
        seats: 1,
        expiresAt: new Date(Date.now() + 86_400_000),
        reseller: `Reseller A ${tag}`,
      });
      await expect.poll(() => receiver.received.length, { timeout: 10_000 }).toBe(1);
      const [first] = receiver.received;
      expect(new Webhook(secret).verify(first!.body, signatureHeaders(first!))).toMatchObject({ type: 'license.created' });

      await page.reload();
      await page.getByRole('cell', { name: 'license.created' }).waitFor();
      await page.getByText('Delivered', { exact: true }).waitFor();
      await screenshot(page, 'webhook-deliveries');
      await page.getByRole('button', { name: 'Send again' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Send again' }).click();
      await expect.poll(() => receiver.received.length, { timeout: 10_000 }).toBe(2);
      expect(receiver.received[1]!.id).toBe(first!.id);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
      await receiver.close();
    }
  }, 120_000);

  it('a reseller admin makes an API token, sees it once, sees it used, and revokes it', async () => {
    const { context, page, errors } = await openAs(staff.resellerA);
    const asToken = async (token: string) => {
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: '{ licenses(first: 1) { totalCount } }' }),
      });
      return (await response.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
    };
    try {
      await page.getByRole('menuitem', { name: 'API tokens' }).click();
      await page.getByRole('link', { name: 'Create' }).click();
      await page.getByLabel('Name').fill(`CRM sync ${tag}`);
      await page.getByRole('button', { name: 'Save' }).click();
      const token = (await page.getByTestId('api-token').textContent())!.trim();
      expect(token).toMatch(/^skapi_/);
      await screenshot(page, 'api-token-created');
      await page.getByRole('button', { name: 'Done' }).click();

      expect((await asToken(token)).errors).toBeUndefined();
      const row = page.getByRole('row', { name: new RegExp(`CRM sync ${tag}`) });
      await page.reload();
      await row.getByText(token.slice(0, 10)).waitFor();
      await expect.poll(async () => (await row.textContent())?.includes('never'), { timeout: 10_000 }).toBe(false);
      await row.getByRole('button', { name: 'Revoke' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
      await page.getByText('Token revoked').waitFor();
      expect((await asToken(token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  // Last in this describe: it renames reseller A, whose name the tests above pass to the API.
  it('a vendor admin edits a product, renames a reseller (a clash is shown under the name), merges a twin, picks a new admin\'s reseller from a list', async () => {
    const db = t.app.database.prisma;
    const twin = await db.reseller.create({ data: { name: `reseller a ${tag} corp` } });
    const { context, page, errors } = await openAs(staff.vendor);

    // Product: its page is the edit form, with the limits beside the fields.
    const { id: productId } = await db.product.findUniqueOrThrow({ where: { code: product.code } });
    await page.goto(`${server.url}/admin/products/${productId}`);
    await page.getByText('30m, 12h, 7d or none: a slot whose token expires unrenewed frees its seat; none: tokens last until the license expires').waitFor();
    await page.getByLabel('Name').fill(`Revit Tools Pro ${tag}`);
    await page.getByLabel('Lease', { exact: true }).fill('30d');
    await page.getByLabel('Website').fill('https://vendor.example/revit');
    await screenshot(page, 'product-edit');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/admin\/products$/);
    await page.getByRole('cell', { name: `Revit Tools Pro ${tag}` }).waitFor();
    expect(await db.product.findUniqueOrThrow({ where: { code: product.code } })).toMatchObject({ name: `Revit Tools Pro ${tag}`, leaseSeconds: 30 * 86_400, websiteUrl: 'https://vendor.example/revit' });
    const productEvent = await db.auditEvent.findFirstOrThrow({ where: { action: 'product.updated', actor: staff.vendor }, orderBy: { at: 'desc' } });
    expect(productEvent.data).toMatchObject({ before: { name: product.name, leaseSeconds: null }, after: { name: `Revit Tools Pro ${tag}`, leaseSeconds: 30 * 86_400 } });

    // Reseller A: a name another reseller has in another case is refused, under the field.
    const a = await db.reseller.findFirstOrThrow({ where: { name: `Reseller A ${tag}` } });
    await page.goto(`${server.url}/admin/resellers/${a.id}`);
    const name = page.getByLabel('Name');
    await name.fill(`RESELLER B ${tag}`);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText(`A reseller "Reseller B ${tag}" already exists (names are compared without case).`).waitFor();
    await screenshot(page, 'reseller-rename-clash');
    expect(await name.getAttribute('aria-invalid')).toBe('true');
    await name.fill(`Reseller A ${tag} GmbH`);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Element updated').waitFor();
    expect((await db.reseller.findUniqueOrThrow({ where: { id: a.id } })).name).toBe(`Reseller A ${tag} GmbH`);

    // The twin free text made is merged into it.
    await page.goto(`${server.url}/admin/resellers/${twin.id}`);
    await page.getByRole('combobox', { name: 'Merge into' }).click();
    await page.getByRole('option', { name: `Reseller A ${tag} GmbH` }).click();
    await page.getByRole('button', { name: 'Merge' }).click();
    await page.getByRole('dialog').getByText("this can't be undone").waitFor();
    await screenshot(page, 'reseller-merge-confirm');
    await page.getByRole('dialog').getByRole('button', { name: 'Merge' }).click();
    await page.getByText(`reseller a ${tag} corp is merged into Reseller A ${tag} GmbH.`).waitFor();
    expect(await db.reseller.findUnique({ where: { id: twin.id } })).toBeNull();

    // A new reseller admin's reseller comes from the list: no free text, so no new twin.
    await page.goto(`${server.url}/admin/staff/create`);
    await page.locator('input[name="email"]').fill(`picked-${tag}@example.com`);
    await page.getByRole('combobox', { name: 'Reseller', exact: true }).click();
    await page.getByRole('option', { name: `Reseller A ${tag} GmbH` }).click();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('generated-password').waitFor();
    expect((await db.staffUser.findUniqueOrThrow({ where: { email: `picked-${tag}@example.com` } })).resellerId).toBe(a.id);
    await page.getByRole('button', { name: 'Done' }).click();

    // Disabling says it can't be undone.
    await page.getByPlaceholder('E-mail', { exact: true }).fill(`picked-${tag}`);
    await page.getByRole('row', { name: new RegExp(`picked-${tag}`) }).getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('dialog').getByText("This can't be undone").waitFor();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

    // Licenses sort by seats in use, from the column header.
    await page.goto(`${server.url}/admin/licenses`);
    await page.getByRole('columnheader', { name: 'Seats used' }).getByRole('button').click();
    await page.waitForURL((url) => url.search.includes('sort=seatsUsed'));
    await page.getByTestId('seats').first().waitFor();
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);
});

describe('serving the dashboard', () => {
  it('serves index.html with no-cache for client routes, hashed assets for a year, 404 for a missing asset', async () => {
    for (const path of ['/admin/', '/admin/licenses/abc/show']) {
      const page = await fetch(`${server.url}${path}`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(page.headers.get('cache-control')).toBe('no-cache');
      expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(await page.text()).toContain('<div id="root">');
    }
    const html = await (await fetch(`${server.url}/admin/`)).text();
    const script = /src="(\/admin\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const asset = await fetch(`${server.url}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${server.url}/admin/assets/gone-123.js`)).status).toBe(404);
    expect((await fetch(`${server.url}/admin/.source-hash`)).headers.get('content-type')).toBe('text/html; charset=utf-8');
    const bare = await fetch(`${server.url}/admin`, { redirect: 'manual' });
    expect(bare.status).toBe(308);
    expect(bare.headers.get('location')).toBe('/admin/');
  });

  it('says how to build it when it is not built', async () => {
    const url = new URL('http://slotkeeper.test/admin/licenses');
    const response = await dashboardRoute('/nonexistent/dist/').handle({ request: new Request(url), url } as never);
    expect(response!.status).toBe(404);
    expect(response!.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await response!.text()).toContain('Run <code>pnpm build</code>');
  });
});
