// What `pnpm start` and the SDK's bin run: the compiled JavaScript in dist/ (scripts/build.mjs), with
// plain Node — no tsx, no source condition. The other tests run the sources (test/client-cli.test.ts
// runs the compiled bin through every command).
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureBuilt } from '../scripts/build.mjs';
import { ROOT, freePort, ownSchema } from '../scripts/api-process.ts';

const folders: string[] = [];
const drops: (() => Promise<void>)[] = [];

beforeAll(() => {
  ensureBuilt({ quiet: true });
});

afterAll(async () => {
  for (const drop of drops) await drop();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** Node's own environment for a child: nothing that would load TypeScript. */
function plainEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _options, DATABASE_URL: _url, REDIS_URL: _redis, ...env } = process.env;
  return { ...env, ...extra };
}

it('node packages/api/dist/main.js serves /healthz and stops on SIGTERM', { timeout: 180_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'slotkeeper-compiled-'));
  folders.push(dataDir);
  const url = process.env.DATABASE_URL?.trim();
  const schema = url ? ownSchema(url, 'compiled') : null;
  if (schema) drops.push(schema.drop);
  const port = await freePort();
  const child = spawn(process.execPath, ['packages/api/dist/main.js'], {
    cwd: ROOT,
    env: plainEnv({
      DATA_DIR: dataDir,
      ...(schema ? { DATABASE_URL: schema.url } : {}),
      HOST: '127.0.0.1',
      PORT: String(port),
      NODE_ENV: 'production',
      PUBLIC_URL: 'http://compiled.invalid',
      KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    let health: Response | null = null;
    while (!health && child.exitCode === null) {
      health = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null);
      if (!health) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(health, output).not.toBeNull();
    expect(health!.status).toBe(200);
    expect(await health!.json()).toEqual({ status: 'ok' });
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exited, output).toBe(0);
  expect(output).toMatch(/SIGTERM: shutting down/);
  expect(output).toMatch(/"msg":"stopped"/);
});

it("the SDK's bin runs compiled with plain Node, and tsx is no dependency of the SDK", async () => {
  const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) =>
    execFile(process.execPath, ['packages/client/bin/slotkeeper.js', '--help'], { cwd: ROOT, env: plainEnv({}) }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(error);
      else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    }),
  );
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/^slotkeeper — activate and check a Slotkeeper license/);
  const sdk = JSON.parse(readFileSync(join(ROOT, 'packages/client/package.json'), 'utf8')) as Record<string, Record<string, unknown>>;
  expect(Object.keys({ ...sdk.dependencies, ...sdk.peerDependencies })).not.toContain('tsx');
  expect(sdk.exports!['./*']).toMatchObject({ types: './dist/*.d.ts', default: './dist/*.js' });
});
