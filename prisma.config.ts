import { defineConfig } from 'prisma/config';

// Slotkeeper applies its migrations itself (packages/api/src/migrate.ts), recording them in
// `_prisma_migrations` as Prisma does. For Prisma's own CLI (`migrate status`, `migrate deploy`,
// `migrate diff`) the database is DATABASE_URL. No schema-engine stand-in is set here: `pnpm
// generate` sets one for itself (scripts/prisma-generate.mjs), and a migrate command must either
// run the real engine or fail, never succeed doing nothing.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  ...(process.env.DATABASE_URL ? { datasource: { url: process.env.DATABASE_URL } } : {}),
});
