// The reseller moved from the customer to each license: today's data must keep who sold what.
import { PGlite } from '@electric-sql/pglite';
import { afterAll, expect, it } from 'vitest';
import { type Database, openEmbedded } from '@slotkeeper/api/database';
import { migrate, readMigrations } from '@slotkeeper/api/migrate';

const MOVE = '20261201020000_license_reseller';
let db: Database | undefined;
afterAll(() => db?.close());

it("copies each customer's reseller onto its licenses and drops Customer.resellerId", async () => {
  db = await openEmbedded({ pglite: new PGlite() });
  const all = readMigrations();
  const before = all.filter((m) => m.name < MOVE);
  expect(before.length).toBeLessThan(all.length);
  await migrate(db, before);
  await db.withMigrationSession(async (sql) => {
    await sql.exec(`SET search_path TO "${db!.schema}"`);
    await sql.exec(`INSERT INTO "Reseller" ("id", "name") VALUES ('r-a', 'A'), ('r-b', 'B')`);
    await sql.exec(`INSERT INTO "Product" ("id", "code", "name") VALUES ('p', 'revit', 'Revit')`);
    await sql.exec(`INSERT INTO "Customer" ("id", "email", "passwordHash", "resellerId")
      VALUES ('c-a', 'a@example.com', 'x', 'r-a'), ('c-b', 'b@example.com', 'x', 'r-b'), ('c-direct', 'd@example.com', 'x', NULL)`);
    await sql.exec(`INSERT INTO "License" ("id", "customerId", "productId", "seats", "expiresAt") VALUES
      ('l-a1', 'c-a', 'p', 1, '2030-01-01'), ('l-a2', 'c-a', 'p', 2, '2030-01-01'),
      ('l-b', 'c-b', 'p', 3, '2030-01-01'), ('l-direct', 'c-direct', 'p', 4, '2030-01-01')`);
  });
  expect((await migrate(db)).applied).toContain(MOVE);

  const licenses = await db.prisma.license.findMany({ select: { id: true, resellerId: true }, orderBy: { id: 'asc' } });
  expect(licenses).toEqual([
    { id: 'l-a1', resellerId: 'r-a' },
    { id: 'l-a2', resellerId: 'r-a' },
    { id: 'l-b', resellerId: 'r-b' },
    { id: 'l-direct', resellerId: null },
  ]);
  const columns = await db.withMigrationSession((sql) =>
    sql.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'Customer'`,
      [db!.schema],
    ),
  );
  expect(columns.map((c) => c.column_name)).not.toContain('resellerId');
  // A fresh embedded database (initdb and every migration) takes longer than the usual test budget.
}, 300_000);
