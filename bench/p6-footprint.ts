// P6: resident memory of the api process after start (idle) and after BENCH_P6_ACTIVATIONS (10,000)
// activations then BENCH_P6_IDLE_SECONDS (5) idle; and the gzip size of the JavaScript the dashboard's
// first load fetches (packages/admin/dist, built when stale). Goals < 150 MB and ≤ 350 kB.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { envInt } from './env.ts';
import { type BenchResult, QUICK, ROOT, type Row, activateBody, databaseKinds, load, log, round, seed, sleep, withApi } from './support.ts';

/** The scripts index.html loads and preloads (entry + modulepreload), gzip-compressed, in bytes. */
export function dashboardFirstLoad(): { files: { file: string; bytes: number; gzip: number }[]; gzip: number } {
  const admin = join(ROOT, 'packages', 'admin');
  execFileSync(process.execPath, [join(admin, 'scripts', 'build-if-stale.mjs')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const dist = join(admin, 'dist');
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const sources = [
    ...[...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1]!),
    ...[...html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)].map((m) => m[1]!),
  ];
  const files = [...new Set(sources)].map((src) => {
    const path = join(dist, src.replace(/^\/admin\//, '').replace(/^\.?\//, ''));
    const bytes = readFileSync(path);
    return { file: src, bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  });
  return { files, gzip: files.reduce((sum, f) => sum + f.gzip, 0) };
}

export async function runP6(): Promise<BenchResult> {
  const activations = envInt('BENCH_P6_ACTIVATIONS', QUICK ? 1000 : 10_000, 1, 1_000_000);
  const idle = envInt('BENCH_P6_IDLE_SECONDS', QUICK ? 2 : 5, 0, 600);
  const rows: Row[] = [];
  const details: Record<string, unknown> = { activations, idleSeconds: idle };
  for (const kind of databaseKinds()) {
    await withApi(
      kind,
      (prisma) => seed(prisma, { customers: 32, seats: 1_000_000, cost: 4 }),
      async (server, { product, customers }) => {
        await sleep(idle * 1000);
        const started = server.rssMb();
        log(`P6 ${kind}: RSS ${started} MB after start; ${activations} activations …`);
        const run = randomBytes(3).toString('hex');
        const result = await load({
          url: server.url,
          connections: 32,
          amount: activations,
          body: (i) => activateBody(customers[i % customers.length]!.email, product, `${run}-${i}`),
          ok: (t) => t.includes('"ActivateMachineSuccess"'),
        });
        if (result.firstFailure) log(`P6 ${kind}: ${result.failed} failed, first: ${result.firstFailure}`);
        const peak = server.rssMb();
        await sleep(idle * 1000);
        const after = server.rssMb();
        details[kind] = { rssAfterStartMb: started, rssRightAfterLoadMb: peak, rssAfterMb: after, load: result };
        const row = (figure: string, value: number): Row => ({
          id: 'P6',
          figure: `${figure}, ${kind}`,
          value,
          unit: 'MB',
          baseline: null,
          baselineName: null,
          ratio: null,
          goal: '< 150 MB',
          met: value < 150,
        });
        rows.push(row('api RSS idle after start', started), row(`api RSS idle after ${activations.toLocaleString('en-US')} activations`, after));
      },
      // The seeded hashes' cost: at another one, every log-in re-hashes to the server's cost and then compares at it.
      { BCRYPT_COST: '4' },
    );
  }
  log('P6: dashboard first load …');
  const dashboard = dashboardFirstLoad();
  details.dashboard = dashboard;
  const kb = round(dashboard.gzip / 1000, 1);
  rows.push({ id: 'P6', figure: 'dashboard first-load JS, gzip', value: kb, unit: 'kB', baseline: null, baselineName: null, ratio: null, goal: '≤ 350 kB', met: kb <= 350 });
  return { rows, details };
}
