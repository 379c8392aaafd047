// P1: activateMachine throughput over HTTP with CONNECTIONS (32) concurrent clients, each request a new
// machine of one of 32 logins (a license each, seats to spare), beside raw bcrypt.compare throughput at
// the same cost, concurrency and thread-pool size, measured in the same run. An activation checks one
// password, so bcrypt bounds it: the ratio says what the server adds on top. Goal ≥ 0.9. On PostgreSQL
// the hand-written floor (bench/floor-server.ts: bcrypt + one locked transaction + sign) activates too,
// right after on the same schema, as the second baseline.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  BCRYPT_COST,
  type BenchResult,
  CONNECTIONS,
  ROOT,
  type Row,
  SECONDS,
  THREADPOOL,
  activateBody,
  databaseKinds,
  failedNote,
  load,
  log,
  round,
  seed,
  startFloor,
  withApi,
} from './support.ts';

export function bcryptRate(cost: number, concurrency: number, seconds: number): { perSecond: number; compares: number } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/bcrypt-rate.ts', String(cost), String(concurrency), String(seconds)], {
    cwd: ROOT,
    env: { ...process.env, UV_THREADPOOL_SIZE: String(THREADPOOL) },
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

export async function runP1(): Promise<BenchResult> {
  log(`P1: bcrypt.compare at cost ${BCRYPT_COST}, ${CONNECTIONS} in flight, thread pool ${THREADPOOL}, ${SECONDS} s …`);
  const bcrypt = bcryptRate(BCRYPT_COST, CONNECTIONS, SECONDS);
  const rows: Row[] = [];
  const details: Record<string, unknown> = { bcryptCost: BCRYPT_COST, connections: CONNECTIONS, threadpool: THREADPOOL, bcrypt };
  for (const kind of databaseKinds()) {
    await withApi(
      kind,
      (prisma) => seed(prisma, { customers: CONNECTIONS, seats: 1_000_000, cost: BCRYPT_COST }),
      async (server, { product, customers }, database) => {
        const run = randomBytes(3).toString('hex');
        const body = (i: number) => activateBody(customers[i % customers.length]!.email, product, `${run}-${i}`);
        const ok = (text: string) => text.includes('"ActivateMachineSuccess"');
        log(`P1 ${kind}: warm-up …`);
        await load({ url: server.url, connections: CONNECTIONS, amount: CONNECTIONS, body: (i) => body(1_000_000_000 + i), ok });
        log(`P1 ${kind}: activations for ${SECONDS} s …`);
        const result = await load({ url: server.url, connections: CONNECTIONS, seconds: SECONDS, body, ok });
        if (result.firstFailure) log(`P1 ${kind}: ${result.failed} failed, first: ${result.firstFailure}`);
        const ratio = round(result.okPerSecond / bcrypt.perSecond, 3);
        let floor: typeof result | null = null;
        if (kind === 'postgres') {
          const hand = await startFloor(database);
          try {
            await load({ url: hand.url, connections: CONNECTIONS, amount: CONNECTIONS, body: (i) => body(2_000_000_000 + i), ok });
            log(`P1 ${kind}: floor activations for ${SECONDS} s …`);
            floor = await load({ url: hand.url, connections: CONNECTIONS, seconds: SECONDS, body: (i) => body(3_000_000_000 + i), ok });
            if (floor.firstFailure) log(`P1 floor: ${floor.failed} failed, first: ${floor.firstFailure}`);
          } finally {
            await hand.stop();
          }
        }
        details[kind] = { ...result, floor };
        rows.push({
          id: 'P1',
          figure: `activateMachine/s, ${kind}${failedNote(result)}`,
          value: result.okPerSecond,
          unit: '/s',
          baseline: round(bcrypt.perSecond, 2),
          baselineName: `bcrypt.compare/s (cost ${BCRYPT_COST})`,
          ratio,
          goal: '≥ 0.9',
          met: ratio >= 0.9 && !failedNote(result),
          second: floor ? { value: floor.okPerSecond, name: `floor/s${failedNote(floor)}`, ratio: round(result.okPerSecond / floor.okPerSecond, 3) } : undefined,
        });
      },
    );
  }
  return { rows, details };
}
