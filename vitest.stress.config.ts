import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

// `pnpm test:stress`: the long-running abuse and fault tests (test/stress/). Counts come from the
// environment (see README, "Stress tests"); `.ci/run` runs them with moderate counts.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/stress/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    // One file at a time: each one loads the machine on purpose.
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 300_000,
  },
});
