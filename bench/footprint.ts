// FOOTPRINT: the compiled server (`node packages/api/dist/main.js`, what `pnpm start` runs) started on
// a database that is already initialised (the data folder exists, PostgreSQL is migrated): time from
// spawn to the first answer of /healthz, and resident memory after BENCH_FOOTPRINT_IDLE_SECONDS (3)
// idle — beside the same two figures of a bare `node:http` process started the same way. Goals:
// RSS < 120 MB on PostgreSQL, < 200 MB embedded; start < 1 s on PostgreSQL, < 3 s embedded.
// The details split the RSS (/proc/<pid>/smaps: JS heap and other anonymous memory, the node binary,
// other mapped files) and give the process's own view (process.memoryUsage, V8 heap statistics)
// through a probe module loaded with --import that answers SIGUSR2.
// BENCH_FOOTPRINT_ENTRY runs another entry (e.g. `packages/api/src/main.ts` under tsx) for comparison.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envInt } from './env.ts';
import { TS_SOURCES, freePort, ownSchema } from '../scripts/api-process.ts';
import { type BenchResult, type DatabaseKind, QUICK, ROOT, type Row, databaseKinds, log, round, sleep } from './support.ts';

const BARE = "require('node:http').createServer((q, s) => s.end('ok')).listen(+process.env.PORT, process.env.HOST)";

// Writes the process's own memory figures to $FOOTPRINT_PROBE_FILE on SIGUSR2 (a data: URL, so the
// measured process loads one tiny module more and nothing else).
const PROBE = `data:text/javascript,${encodeURIComponent(
  `import v8 from 'node:v8'; import { writeFileSync } from 'node:fs';
process.on('SIGUSR2', () => writeFileSync(process.env.FOOTPRINT_PROBE_FILE, JSON.stringify({ memory: process.memoryUsage(), heap: v8.getHeapStatistics(), spaces: v8.getHeapSpaceStatistics() })));`,
)}`;

interface Started {
  child: ChildProcess;
  pid: number;
  url: string;
  startMs: number;
  output: () => string;
}

async function start(args: string[], env: NodeJS.ProcessEnv): Promise<Started> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...env, HOST: '127.0.0.1', PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-10_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${args.join(' ')} did not answer within 120 s:\n${output}`);
    }
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) break;
    await sleep(5);
  }
  return { child, pid: child.pid!, url, startMs: round(performance.now() - t0, 0), output: () => output };
}

async function stop(started: Started) {
  if (started.child.exitCode !== null) return;
  const exited = new Promise((resolve) => started.child.once('exit', resolve));
  started.child.kill('SIGTERM');
  const timer = setTimeout(() => started.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

const mb = (kb: number) => round(kb / 1024, 1);

/** Resident kB per kind of mapping, from /proc/<pid>/smaps. */
function residentByMapping(pid: number) {
  const totals = { rss: 0, anonymous: 0, nodeBinary: 0, nativeAddons: 0, sharedLibraries: 0, otherFiles: 0 };
  let name = '';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (header) {
      name = header[1]!;
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (!rss) continue;
    const kb = Number(rss[1]);
    totals.rss += kb;
    if (!name.startsWith('/')) totals.anonymous += kb;
    else if (name === process.execPath) totals.nodeBinary += kb;
    else if (name.endsWith('.node')) totals.nativeAddons += kb;
    else if (/\.so(\.|$)/.test(name)) totals.sharedLibraries += kb;
    else totals.otherFiles += kb;
  }
  return Object.fromEntries(Object.entries(totals).map(([k, v]) => [`${k}Mb`, mb(v)]));
}

async function probe(started: Started, file: string): Promise<unknown> {
  started.child.kill('SIGUSR2');
  for (let i = 0; i < 100 && !existsSync(file); i++) await sleep(20);
  if (!existsSync(file)) return null;
  const { memory, heap, spaces } = JSON.parse(readFileSync(file, 'utf8')) as {
    memory: Record<string, number>;
    heap: Record<string, number>;
    spaces: { space_name: string; space_used_size: number }[];
  };
  const m = (bytes: number) => round(bytes / 2 ** 20, 1);
  return {
    memoryUsageMb: Object.fromEntries(Object.entries(memory).map(([k, v]) => [k, m(v)])),
    heapMb: { total: m(heap.total_heap_size!), used: m(heap.used_heap_size!), physical: m(heap.total_physical_size!), external: m(heap.external_memory!) },
    spacesUsedMb: Object.fromEntries(spaces.map((s) => [s.space_name, m(s.space_used_size)])),
  };
}

/** Starts `args` twice (the first start initialises the database), measures the second. */
async function measure(label: string, args: string[], env: NodeJS.ProcessEnv, idleSeconds: number) {
  const probeFile = join(tmpdir(), `slotkeeper-footprint-${randomBytes(4).toString('hex')}.json`);
  await stop(await start(args, env));
  const started = await start(['--import', PROBE, ...args], { ...env, FOOTPRINT_PROBE_FILE: probeFile });
  try {
    await sleep(idleSeconds * 1000);
    const status = readFileSync(`/proc/${started.pid}/status`, 'utf8');
    const rssMb = mb(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]));
    const result = { startMs: started.startMs, rssMb, byMapping: residentByMapping(started.pid), process: await probe(started, probeFile) };
    log(`FOOTPRINT ${label}: listening after ${result.startMs} ms, RSS ${rssMb} MB after ${idleSeconds} s idle`);
    return result;
  } finally {
    await stop(started);
    rmSync(probeFile, { force: true });
  }
}

export async function runFootprint(): Promise<BenchResult> {
  const idle = envInt('BENCH_FOOTPRINT_IDLE_SECONDS', QUICK ? 1 : 3, 0, 600);
  const entry = process.env.BENCH_FOOTPRINT_ENTRY?.trim() || 'packages/api/dist/main.js';
  const args = entry.endsWith('.ts') ? [...TS_SOURCES, entry] : [entry];
  if (entry === 'packages/api/dist/main.js') execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  // The bench's DATABASE_URL names where bench schemas go; only the PostgreSQL run gets one (its own schema).
  const { DATABASE_URL: _url, ...inherited } = process.env;
  const base = { ...inherited, NODE_ENV: 'production', PUBLIC_URL: 'http://bench.invalid', KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
  const bare = await measure('bare node:http', ['-e', BARE], base, idle);
  const details: Record<string, unknown> = { entry, idleSeconds: idle, bare };
  const rows: Row[] = [];
  for (const kind of databaseKinds()) {
    const dir = mkdtempSync(join(tmpdir(), 'slotkeeper-footprint-'));
    const schema = kind === 'postgres' ? ownSchema(process.env.DATABASE_URL!.trim(), 'footprint') : null;
    try {
      const api = await measure(`api, ${kind}`, args, { ...base, DATA_DIR: dir, ...(schema ? { DATABASE_URL: schema.url } : {}) }, idle);
      details[kind] = api;
      rows.push(...figures(kind, api, bare));
    } finally {
      await schema?.drop().catch((error: unknown) => log(`could not drop the footprint schema: ${(error as Error).message}`));
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return { rows, details };
}

function figures(kind: DatabaseKind, api: { startMs: number; rssMb: number }, bare: { startMs: number; rssMb: number }): Row[] {
  const goals = kind === 'postgres' ? { rss: 120, start: 1000 } : { rss: 200, start: 3000 };
  return [
    {
      id: 'FOOTPRINT',
      figure: `api RSS idle after start, ${kind}`,
      value: api.rssMb,
      unit: 'MB',
      baseline: bare.rssMb,
      baselineName: 'bare node:http',
      ratio: round(api.rssMb / bare.rssMb),
      goal: `< ${goals.rss} MB`,
      met: api.rssMb < goals.rss,
    },
    {
      id: 'FOOTPRINT',
      figure: `api start to listening, ${kind}`,
      value: api.startMs,
      unit: 'ms',
      baseline: bare.startMs,
      baselineName: 'bare node:http',
      ratio: round(api.startMs / bare.startMs),
      goal: `< ${goals.start / 1000} s`,
      met: api.startMs < goals.start,
    },
  ];
}
