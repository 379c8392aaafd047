import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const packages = fileURLToPath(new URL('./packages/', import.meta.url));

export default defineConfig({
  resolve: {
    // Workspace packages load from their sources under one path each, so every module (and every
    // class checked with instanceof) exists once, whichever package imports it.
    alias: [
      { find: /^@slotkeeper\/(schema|api|client)\/(.*)$/, replacement: `${packages}$1/src/$2.ts` },
      // graphql 16 ships CJS (main) and ESM (module) builds: Node's import of the libraries loads the
      // CJS one, Vite would pick the ESM one for our sources, and `instanceof GraphQLError` would fail.
      { find: /^graphql$/, replacement: createRequire(import.meta.url).resolve('graphql') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts', 'packages/*/src/**/*.test.ts'],
    // The long-running abuse and fault tests run with `pnpm test:stress` (vitest.stress.config.ts).
    exclude: ['test/stress/**', '**/node_modules/**'],
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/worker-env.ts'],
    pool: 'forks',
    // Two files at a time, each in its own PostgreSQL schema and Redis database (global-setup.ts,
    // worker-env.ts): most of a file's time is spent waiting on the servers, browsers and CLIs it
    // starts, so on a 2-core machine two at a time finish in about 60 % of the time one at a time
    // takes (vitest's default here is one: cores − 1).
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
