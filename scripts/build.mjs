// Compiles packages/schema, packages/client and packages/api (in that order: api's build reads
// schema's declarations) with tsc into each package's dist/ — JavaScript and .d.ts, what `pnpm start`,
// `pnpm cli` and the SDK's bin run. `pnpm install` runs it; it skips itself when every dist/ was built
// from the current inputs (a content hash kept in dist/.source-hash); `--force` always builds.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashInputs } from './source-hash.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const PACKAGES = ['schema', 'client', 'api'];

export function sourceHash() {
  const inputs = [
    ...PACKAGES.flatMap((p) => ['src', 'package.json', 'tsconfig.build.json'].map((f) => join(root, 'packages', p, f))),
    ...['tsconfig.json', 'pnpm-lock.yaml', 'scripts/build.mjs'].map((f) => join(root, f)),
  ];
  return hashInputs(root, inputs);
}

const stamp = (p) => join(root, 'packages', p, 'dist', '.source-hash');

/** Builds unless every dist/ holds a build of the current sources (or `force`); returns whether it built. */
export function ensureBuilt({ quiet = false, force = false } = {}) {
  const hash = sourceHash();
  if (!force && PACKAGES.every((p) => existsSync(stamp(p)) && readFileSync(stamp(p), 'utf8') === hash)) {
    if (!quiet) console.log('packages: dist/ is up to date');
    return false;
  }
  const tsc = join(dirname(createRequire(join(root, 'package.json')).resolve('typescript/package.json')), 'bin', 'tsc');
  for (const p of PACKAGES) {
    const dir = join(root, 'packages', p);
    // A file removed from src/ must not live on in dist/.
    rmSync(join(dir, 'dist'), { recursive: true, force: true });
    execFileSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
    writeFileSync(stamp(p), hash);
  }
  if (!quiet) console.log(`packages: built ${PACKAGES.map((p) => `packages/${p}/dist`).join(', ')}`);
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) ensureBuilt({ force: process.argv.includes('--force'), quiet: process.argv.includes('--quiet') });
