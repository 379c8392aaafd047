// Builds the dashboard into dist/ (`--force`: always; else only when dist/ is missing or was built
// from other sources: a content hash of everything that goes into the build, kept in
// dist/.source-hash). `pnpm test` runs it before vitest; the end-to-end test calls ensureBuilt()
// too, for when it runs on its own.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashInputs } from '../../../scripts/source-hash.mjs';

const admin = fileURLToPath(new URL('..', import.meta.url));
const stampFile = join(admin, 'dist', '.source-hash');

export function sourceHash() {
  const inputs = ['src', 'index.html', 'vite.config.ts', 'package.json', 'tsconfig.json', 'scripts/build-if-stale.mjs', '../../pnpm-lock.yaml', '../../scripts/source-hash.mjs'];
  return hashInputs(admin, inputs.map((f) => join(admin, f)));
}

/** Builds unless dist/ holds a build of the current sources (or `force`); returns whether it built. */
export function ensureBuilt({ quiet = false, force = false } = {}) {
  const hash = sourceHash();
  if (!force && existsSync(join(admin, 'dist', 'index.html')) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === hash) {
    if (!quiet) console.log('dashboard: dist/ is up to date');
    return false;
  }
  const vite = join(dirname(createRequire(join(admin, 'package.json')).resolve('vite/package.json')), 'bin', 'vite.js');
  // A production build even when called from a test runner (vitest sets NODE_ENV=test, which would
  // give React's development build).
  execFileSync(process.execPath, [vite, 'build', '--logLevel', quiet ? 'error' : 'warn'], {
    cwd: admin,
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  writeFileSync(stampFile, hash);
  if (!quiet) console.log('dashboard: built into packages/admin/dist');
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) ensureBuilt({ force: process.argv.includes('--force') });
