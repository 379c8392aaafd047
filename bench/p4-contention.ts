// P4: N (500) activations at once on ONE license of 5 seats (5 succeed, the rest get NO_FREE_SLOT
// after waiting for that license's lock) beside N activations at once on N licenses of N logins (no
// shared lock), in the same run: p50/p99 latency. Goal: contended p99 ≤ 2 × uncontended p99.
// BENCH_P4_COST (6): a low bcrypt cost, so that the lock is measured rather than N bcrypt compares queueing.
import { randomBytes } from 'node:crypto';
import { envInt } from './env.ts';
import { type BenchResult, QUICK, type Row, activateBody, databaseKinds, load, log, round, seed, withApi } from './support.ts';

export async function runP4(): Promise<BenchResult> {
  const n = envInt('BENCH_P4_ACTIVATIONS', QUICK ? 100 : 500, 6, 5000);
  const cost = envInt('BENCH_P4_COST', 6, 4, 15);
  const rows: Row[] = [];
  const details: Record<string, unknown> = { activations: n, bcryptCost: cost };
  for (const kind of databaseKinds()) {
    await withApi(
      kind,
      async (prisma) => ({
        contended: await seed(prisma, { customers: 1, seats: 5, cost }),
        spread: await seed(prisma, { customers: n + 32, seats: 5, cost }),
      }),
      async (server, { contended, spread }) => {
        const run = randomBytes(3).toString('hex');
        const success = (t: string) => t.includes('"ActivateMachineSuccess"');
        // Warm-up on 32 logins that the measured runs don't use.
        await load({ url: server.url, connections: 32, amount: 32, body: (i) => activateBody(spread.customers[n + i]!.email, spread.product, `${run}-w${i}`), ok: success });
        log(`P4 ${kind}: ${n} activations at once on ${n} licenses …`);
        const uncontended = await load({
          url: server.url,
          connections: n,
          amount: n,
          body: (i) => activateBody(spread.customers[i]!.email, spread.product, `${run}-u${i}`),
          ok: success,
        });
        log(`P4 ${kind}: ${n} activations at once on one 5-seat license …`);
        let taken = 0;
        const contendedRun = await load({
          url: server.url,
          connections: n,
          amount: n,
          body: (i) => activateBody(contended.customers[0]!.email, contended.product, `${run}-c${i}`),
          ok: (t) => (success(t) ? ++taken > 0 : t.includes('"NO_FREE_SLOT"')),
        });
        for (const [name, r] of [['uncontended', uncontended], ['contended', contendedRun]] as const) {
          if (r.firstFailure) log(`P4 ${kind} ${name}: ${r.failed} failed, first: ${r.firstFailure}`);
        }
        if (taken !== 5) log(`P4 ${kind}: ${taken} activations succeeded on the 5-seat license (expected 5)`);
        const ratio = round(contendedRun.p99Ms / uncontended.p99Ms, 2);
        details[kind] = { uncontended, contended: contendedRun, seatsTaken: taken };
        rows.push({
          id: 'P4',
          figure: `p99 of ${n} at once on 1 license (p50 ${Math.round(contendedRun.p50Ms)} ms), ${kind}`,
          value: contendedRun.p99Ms,
          unit: 'ms',
          baseline: uncontended.p99Ms,
          baselineName: `ms p99 on ${n} licenses (p50 ${Math.round(uncontended.p50Ms)})`,
          ratio,
          goal: '≤ 2',
          met: ratio <= 2,
        });
      },
      // All N wait for a password check at once: the bounded queue (64 by default, 503 beyond) would
      // answer most of them before the license lock is reached, and the lock is what P4 measures.
      // The server's cost is the seeded hashes' cost: at another one, the first log-in of each re-hashes (and then compares at 12).
      { PASSWORD_CHECK_QUEUE: String(n + 64), PASSWORD_CHECK_WAIT_MS: '120000', BCRYPT_COST: String(cost) },
    );
  }
  return { rows, details };
}
