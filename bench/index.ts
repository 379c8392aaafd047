// `pnpm bench [p1 … p6]`: runs the chosen benchmarks (all by default), prints one table and writes it,
// with every measured detail, to bench/results/latest.json. Asserts nothing. Knobs: README "Benchmarks".
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { runP1 } from './p1-activate.ts';
import { runP2 } from './p2-requests.ts';
import { runP3 } from './p3-fanout.ts';
import { runP4 } from './p4-contention.ts';
import { runP5 } from './p5-check.ts';
import { runP6 } from './p6-footprint.ts';
import { runFootprint } from './footprint.ts';
import { type BenchResult, QUICK, ROOT, type Row, THREADPOOL, databaseKinds, round } from './support.ts';

const BENCHES: Record<string, () => Promise<BenchResult>> = { p1: runP1, p2: runP2, p3: runP3, p4: runP4, p5: runP5, p6: runP6, footprint: runFootprint };

function fmt(value: number | null): string {
  if (value === null || Number.isNaN(value)) return '—';
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

export function table(rows: Row[]): string {
  const header = ['', 'figure', 'value', 'baseline (same run)', 'ratio', 'goal', 'met', 'second baseline (ratio)'];
  const body = rows.map((r) => [
    r.id,
    r.figure,
    `${fmt(r.value)} ${r.unit}`.trim(),
    r.baseline === null ? '—' : `${fmt(r.baseline)} ${r.baselineName ?? ''}`.trim(),
    r.ratio === null ? '—' : r.ratio.toFixed(2),
    r.goal,
    r.met === null ? '—' : r.met ? 'yes' : 'NO',
    r.second ? `${fmt(r.second.value)} ${r.second.name} (${r.second.ratio.toFixed(2)})` : '',
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((row) => row[c]!.length)));
  const line = (cells: string[]) =>
    cells.map((cell, c) => (c === 2 || c === 4 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

async function main() {
  const args = process.argv.slice(2).map((a) => a.toLowerCase());
  const unknown = args.filter((a) => !(a in BENCHES));
  if (unknown.length) {
    console.error(`Unknown benchmark(s) ${unknown.join(', ')}: choose from ${Object.keys(BENCHES).join(', ')}.`);
    process.exit(2);
  }
  const chosen = args.length ? Object.keys(BENCHES).filter((k) => args.includes(k)) : Object.keys(BENCHES);
  const machine = {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memoryGb: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    threadpool: THREADPOOL,
    databases: databaseKinds(),
    quick: QUICK,
  };
  const loadStart = loadavg().map((l) => round(l, 2));
  const started = new Date();
  console.error(`Slotkeeper benchmarks ${chosen.join(' ')}${QUICK ? ' (quick)' : ''}: ${machine.cores} × ${machine.cpu}, Node ${machine.node}, load ${loadStart.join(' ')}`);
  const rows: Row[] = [];
  const details: Record<string, unknown> = {};
  for (const name of chosen) {
    const t0 = performance.now();
    try {
      const result = await BENCHES[name]!();
      rows.push(...result.rows);
      details[name] = { ...result.details, seconds: round((performance.now() - t0) / 1000, 1) };
    } catch (error) {
      console.error(`${name.toUpperCase()} failed:`, error);
      details[name] = { error: String((error as Error)?.stack ?? error) };
      process.exitCode = 1;
    }
  }
  const loadEnd = loadavg().map((l) => round(l, 2));
  const text = table(rows);
  const caption =
    `${started.toISOString()} · ${machine.cores} × ${machine.cpu}, ${machine.memoryGb} GB, Node ${machine.node}, ` +
    `UV_THREADPOOL_SIZE ${machine.threadpool}${QUICK ? ', BENCH_QUICK' : ''} · loadavg ${loadStart.join(' ')} at start, ${loadEnd.join(' ')} at end`;
  console.log(`\n${text}\n\n${caption}`);
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, args.length ? `latest-${chosen.join('-')}.json` : 'latest.json');
  writeFileSync(file, `${JSON.stringify({ at: started.toISOString(), machine, loadavg: { start: loadStart, end: loadEnd }, table: text, rows, details }, null, 2)}\n`);
  console.error(`written to ${file}`);
}

await main();
