import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

export interface AxeCounts {
  critical: number;
  serious: number;
  moderate: number;
  minor: number;
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe-core's violations on the page once it has loaded, by impact; each violation is printed with its
 * first targets. An input still loading its choices is disabled, and axe holds its grey helper text to
 * the contrast rule (which WCAG waives for inactive controls): on a slow database that made the staff
 * form fail at random, so the page is judged when no spinner is left (seat bars are progressbars with a
 * value, and stay).
 */
export async function axe(page: Page, name: string): Promise<AxeCounts> {
  await page.waitForFunction(() => !document.querySelector('[role="progressbar"]:not([aria-valuenow])'), undefined, { timeout: 10_000 }).catch(() => {
    console.log(`axe ${name}: still loading after 10 s, judged as it is`);
  });
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

/** The counts of several pages added up, for the suite's summary line. */
export const totalAxe = (found: Record<string, AxeCounts>): AxeCounts =>
  Object.values(found).reduce((sum, c) => ({ critical: sum.critical + c.critical, serious: sum.serious + c.serious, moderate: sum.moderate + c.moderate, minor: sum.minor + c.minor }), {
    critical: 0,
    serious: 0,
    moderate: 0,
    minor: 0,
  });
