// `prisma generate` without Prisma's schema engine: every Prisma CLI command first looks for the
// engine binary, which it would download from Prisma's own host (unreachable on many build
// machines, and no npm package carries it). `generate` never runs the engine, so any executable
// passes that check — Node itself is one that exists everywhere. The stand-in is set for this
// command only: a migrate command given a stand-in would do nothing and exit 0.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const prisma = createRequire(import.meta.url).resolve('prisma/build/index.js');
const env = { ...process.env };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;
const result = spawnSync(process.execPath, [prisma, 'generate', ...process.argv.slice(2)], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
