// A content hash of build inputs (files and whole folders, test files left out), for the build steps
// that skip themselves when their output was built from the same inputs (build.mjs, the dashboard's
// build-if-stale.mjs): the hash is kept beside the output and compared.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

function files(path) {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => files(join(path, name)));
}

/** sha256 over the paths (relative to `base`) and contents of `inputs`, `*.test.ts(x)` excluded. */
export function hashInputs(base, inputs) {
  const hash = createHash('sha256');
  for (const file of inputs.flatMap(files).filter((f) => !/\.test\.tsx?$/.test(f))) {
    hash.update(relative(base, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}
