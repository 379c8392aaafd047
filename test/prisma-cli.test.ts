// Prisma's own CLI on our project files must never report success without doing the work: a
// schema-engine stand-in in prisma.config.ts once made `migrate status` and `migrate deploy` exit 0
// having checked and created nothing (issue 15).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const prisma = createRequire(import.meta.url).resolve('prisma/build/index.js');

function migrateStatus() {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: process.env.DATABASE_URL ?? 'postgresql://nobody@127.0.0.1:1/none' };
  delete env.PRISMA_SCHEMA_ENGINE_BINARY;
  const run = spawnSync(process.execPath, [prisma, 'migrate', 'status'], { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, output: `${run.stdout}\n${run.stderr}` };
}

it('`prisma migrate status` either reports on the migrations folder or fails; it never exits 0 saying nothing', () => {
  const { status, output } = migrateStatus();
  console.log(`prisma migrate status: exit ${status}; ${output.trim().split('\n').slice(-1)[0]}`);
  if (status === 0) {
    // With Prisma's native engine at hand: a real report naming our migrations.
    expect(output).toMatch(/migrations? found in prisma\/migrations/);
  } else {
    // Without it (no route to Prisma's host): a failure that says why.
    expect(output).toMatch(/schema-engine|binaries\.prisma\.sh|P1001|Can't reach database/);
  }
});
