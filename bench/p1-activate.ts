// P1: activateMachine throughput over HTTP with CONNECTIONS (32) concurrent clients, each request a new
// machine of one of 32 logins (a license each, seats to spare), beside raw bcrypt.compare throughput at
// the same cost, concurrency and thread-pool size, measured in the same run. An activation checks one
// password, so bcrypt bounds it: the ratio says what the server adds on top. Goal ≥ 0.9.
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
  load,
  log,
  round,
  seed,
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
      async (server, { product, customers }) => {
        const run = randomBytes(3).toString('hex');
        const body = (i: number) => activateBody(customers[i % customers.length]!.email, product, `${run}-${i}`);
        const ok = (text: string) => text.includes('"ActivateMachineSuccess"');
        log(`P1 ${kind}: warm-up …`);
        await load({ url: server.url, connections: CONNECTIONS, amount: CONNECTIONS, body: (i) => body(1_000_000_000 + i), ok });
        log(`P1 ${kind}: activations for ${SECONDS} s …`);
        const result = await load({ url: server.url, connections: CONNECTIONS, seconds: SECONDS, body, ok });
        if (result.firstFailure) log(`P1 ${kind}: ${result.failed} failed, first: ${result.firstFailure}`);
        const ratio = round(result.okPerSecond / bcrypt.perSecond, 3);
        details[kind] = result;
        rows.push({
          id: 'P1',
          figure: `activateMachine/s, ${kind}`,
          value: result.okPerSecond,
          unit: '/s',
          baseline: round(bcrypt.perSecond, 2),
          baselineName: `bcrypt.compare/s (cost ${BCRYPT_COST})`,
          ratio,
          goal: '≥ 0.9',
          met: ratio >= 0.9,
        });
      },
    );
  }
  return { rows, details };
}
