import { inject } from 'vitest';

/**
 * This test worker's PostgreSQL schema (null on the embedded database). The run migrates one schema
 * per worker (test/support/global-setup.ts) and a worker runs its files one after another, so no two
 * files that run at the same time share a schema: one file's mail worker, lease sweeper or list never
 * meets another file's rows.
 */
export function workerDatabaseUrl(): string | null {
  const urls = inject('databaseUrls');
  if (!urls) return null;
  // VITEST_POOL_ID is 1 … maxWorkers, one per worker running at a time.
  const pool = Number(process.env.VITEST_POOL_ID ?? '1');
  return urls[(pool - 1) % urls.length]!;
}
