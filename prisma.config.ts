import { existsSync } from 'node:fs';
import { defineConfig } from 'prisma/config';

// Prisma's CLI wants a schema-engine binary it would download from Prisma's host, which is not
// reachable everywhere. `generate`/`validate`/`format` never run it; any executable satisfies the
// check. Migrations are applied by Slotkeeper itself (packages/api/src/migrate.ts).
if (!process.env.PRISMA_SCHEMA_ENGINE_BINARY && existsSync('/bin/true')) {
  process.env.PRISMA_SCHEMA_ENGINE_BINARY = '/bin/true';
}

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
