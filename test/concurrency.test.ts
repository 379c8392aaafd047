// The seat invariant under real concurrent HTTP requests, on whichever database this run uses.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type TestApp, startTestApp } from './support/app.ts';
import { ACTIVATE, machine } from './support/operations.ts';

let t: TestApp;
let url: string;
beforeAll(async () => {
  t = await startTestApp();
  url = `${(await t.listen()).url}/graphql`;
});
afterAll(() => t?.close());

async function activateOverHttp(input: ReturnType<typeof machine>) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: ACTIVATE, variables: { input } }),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { data: { activateMachine: Record<string, any> }; errors?: unknown };
  expect(body.errors).toBeUndefined();
  return body.data.activateMachine;
}

it('50 concurrent activations of 50 machines on a 5-seat license: exactly 5 get a slot', async () => {
  const license = await t.seed.license({ seats: 5 });
  const results = await Promise.all(
    Array.from({ length: 50 }, (_, i) => activateOverHttp(machine(license, `machine-${i}`))),
  );
  const won = results.filter((r) => r.__typename === 'ActivateMachineSuccess');
  const refused = results.filter((r) => r.code === 'NO_FREE_SLOT');
  console.log(`50 concurrent activations, 5 seats: ${won.length} succeeded, ${refused.length} NO_FREE_SLOT`);
  expect(won).toHaveLength(5);
  expect(refused).toHaveLength(45);
  for (const r of refused) expect(r).toMatchObject({ seats: 5, used: 5 });
  expect(new Set(won.map((r) => r.activation.id)).size).toBe(5);
  const live = await t.app.database.prisma.activation.count({ where: { licenseId: license.id, releasedAt: null } });
  expect(live).toBe(5);
});

it('20 concurrent activations of the same machine share one slot', async () => {
  const license = await t.seed.license({ seats: 2 });
  const results = await Promise.all(Array.from({ length: 20 }, () => activateOverHttp(machine(license, 'one-pc'))));
  expect(results.every((r) => r.__typename === 'ActivateMachineSuccess')).toBe(true);
  expect(new Set(results.map((r) => r.activation.id)).size).toBe(1);
  expect(results.every((r) => r.license.seatsUsed === 1)).toBe(true);
  const live = await t.app.database.prisma.activation.count({ where: { licenseId: license.id, releasedAt: null } });
  expect(live).toBe(1);
});

it('concurrent activations spread over two licenses of one login never oversell either', async () => {
  const first = await t.seed.license({ seats: 3 });
  const product = await t.app.database.prisma.product.findUniqueOrThrow({ where: { code: first.product } });
  const second = await t.seed.license({ seats: 4, customer: { id: first.customerId, email: first.email }, product });
  const results = await Promise.all(Array.from({ length: 30 }, (_, i) => activateOverHttp(machine(first, `m-${i}`))));
  expect(results.filter((r) => r.__typename === 'ActivateMachineSuccess')).toHaveLength(7);
  const db = t.app.database.prisma;
  expect(await db.activation.count({ where: { licenseId: first.id, releasedAt: null } })).toBe(3);
  expect(await db.activation.count({ where: { licenseId: second.id, releasedAt: null } })).toBe(4);
});

it('the database itself refuses a second live activation of one machine on one license', async () => {
  const license = await t.seed.license({ seats: 5 });
  const db = t.app.database.prisma;
  const row = { licenseId: license.id, fingerprintHash: 'same', machineName: 'a', osUser: 'b', tokenKid: 'k', tokenExpiresAt: new Date() };
  await db.activation.create({ data: row });
  await expect(db.activation.create({ data: row })).rejects.toThrow(/Unique constraint/);
  await db.activation.create({ data: { ...row, releasedAt: new Date() } });
});
