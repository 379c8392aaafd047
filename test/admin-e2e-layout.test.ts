// The dashboard's layout and accessibility in real Chromium: at a phone's width (390 px) the lists
// fit the screen with every action reachable; axe-core finds no serious or critical violation on
// any page; a license opens from the list with the keyboard alone.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../packages/admin/scripts/build-if-stale.mjs';
import type { Listening } from '@slotkeeper/api/server';
import { type TestApp, startTestApp } from './support/app.ts';
import { launchBrowser, openDashboard, screenshot } from './support/browser.ts';
import { ACTIVATE, machine } from './support/operations.ts';
import { PASSWORD as SEED_PASSWORD } from './support/seed.ts';

const PASSWORD = 'Dashboard-Pass-2026!';
const PHONE = 390;
const tag = randomBytes(3).toString('hex');
const vendor = `layout-vendor-${tag}@example.com`;
const reseller = `layout-reseller-${tag}@example.com`;
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
let t: TestApp;
let server: Listening;
let browser: Browser;
let license: { id: string; email: string };

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
  license = { id: seeded.id, email: seeded.email };
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
    await page.getByText('license.issued').first().waitFor();
    await fits('audit');
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);
});

interface AxeCounts {
  critical: number;
  serious: number;
  moderate: number;
  minor: number;
}

/** axe-core's violations on the page as it is now, by impact; serious and critical ones are listed. */
async function axe(page: Page, name: string): Promise<AxeCounts> {
  // Evaluated through the DevTools protocol: the dashboard's CSP rightly refuses inline scripts.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const { violations } = await (window as unknown as { axe: { run(): Promise<{ violations: any[] }> } }).axe.run();
    return violations.map((v) => ({ id: v.id, impact: v.impact as keyof AxeCounts, targets: v.nodes.slice(0, 3).map((n: any) => n.target.join(' ')) }));
  });
  const counts: AxeCounts = { critical: 0, serious: 0, moderate: 0, minor: 0 };
  for (const v of violations) counts[v.impact] += 1;
  console.log(`axe ${name}: ${JSON.stringify(counts)}`);
  for (const v of violations) console.log(`  ${v.impact} ${v.id}: ${v.targets.join(' | ')}`);
  return counts;
}

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
      ['audit', 'license.issued'],
      ['password', 'Current password'],
      ['staff', 'Either you typed a wrong URL'],
      ['products', 'Either you typed a wrong URL'],
    ]);
    await pages(vendor, 'vendor', [
      ['licenses', license.email],
      ['resellers', `Layout ${tag}`],
      ['resellers/create', 'Name'],
      ['products', 'Test Plug-in'],
      ['products/create', 'Code'],
      ['staff', reseller],
      ['staff/create', 'Role'],
      ['mail', license.email],
      ['audit', 'license.issued'],
    ]);
    const total = Object.values(found).reduce((sum, c) => ({
      critical: sum.critical + c.critical,
      serious: sum.serious + c.serious,
      moderate: sum.moderate + c.moderate,
      minor: sum.minor + c.minor,
    }));
    console.log(`axe over ${Object.keys(found).length} pages: ${JSON.stringify(total)}`);
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
