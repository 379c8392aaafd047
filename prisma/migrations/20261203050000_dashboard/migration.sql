-- Reseller names are unique whatever their case ("ACME" and "acme" are one reseller). Names that
-- already clash keep the oldest as it is and get " (2)", " (3)", … so the index can be built; the
-- dashboard's merge then folds them into one.
UPDATE "Reseller" AS r
SET "name" = r."name" || ' (' || d.rn || ')'
FROM (
  SELECT "id", row_number() OVER (PARTITION BY lower("name") ORDER BY "createdAt", "id") AS rn FROM "Reseller"
) AS d
WHERE d."id" = r."id" AND d.rn > 1;

CREATE UNIQUE INDEX "Reseller_name_lower_key" ON "Reseller" (lower("name"));
