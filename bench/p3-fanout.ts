// P3: slot-event fan-out. N subscribers (SSE, and WebSocket) to slotUsageChanged of one license, each
// with a customer session of its owner, in a separate process; the driver activates and deactivates
// machines of that license one event at a time. Figure: time from the mutation's answer (as the driver
// reads it) to each subscriber's receipt, p50 / p99 / max over every receipt of every event.
// Goal p99 < 100 ms at 10,000 subscribers. Then BENCH_P3_IDLE (50,000) idle SSE subscribers, spread
// over subscriber processes of at most 15,000 sockets each, and the server's resident memory per
// subscriber; the server holds one descriptor per subscriber, so `ulimit -n` caps the count (said so).
// Each SSE figure stands beside its floor from the same run: bench/fanout-floor-server.ts (node:http,
// one serialization, the same bytes written to every stream) measured by the same driver and
// subscriber process, which is what this machine's sockets allow.
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { execSync } from 'node:child_process';
import { join } from 'node:path';
import { DEACTIVATE } from '../packages/client/src/operation.ts';
import { envInt } from './env.ts';
import {
  type BenchResult,
  QUICK,
  ROOT,
  type Row,
  type RunningServer,
  activateBody,
  log,
  percentile,
  round,
  seed,
  sleep,
  startProcess,
  wallNow,
  withApi,
} from './support.ts';

function sizes(name: string, fallback: string): number[] {
  const raw = process.env[name]?.trim() || fallback;
  const list = raw === '0' ? [] : raw.split(',').map((s) => Number(s.trim()));
  if (list.some((n) => !Number.isInteger(n) || n < 1 || n > 100_000)) {
    console.error(`${name} must be a comma-separated list of whole numbers from 1 to 100000, or 0 (got "${raw}").`);
    process.exit(2);
  }
  return list;
}

interface Subscribers {
  open: number;
  failed: number;
  firstError: string | null;
  count(): Promise<number>;
  collect(): Promise<Record<string, number[]>>;
  close(): Promise<void>;
}

async function startSubscribers(options: { url: string; count: number; transport: 'sse' | 'ws'; licenseId: string; tokens: string[] }): Promise<Subscribers> {
  const child: ChildProcess = fork(join(ROOT, 'bench', 'p3-subscribers.ts'), [JSON.stringify({ ...options, batch: 200 })], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next = <T>(type: string) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (message: { type: string }) => {
        if (message.type !== type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(message as T);
      };
      const onExit = (code: number | null) => reject(new Error(`the subscriber process exited (${code})`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const connected = await next<{ open: number; failed: number; firstError: string | null }>('connected');
  return {
    ...connected,
    async count() {
      const reply = next<{ events: number }>('count');
      child.send({ type: 'count' });
      return (await reply).events;
    },
    async collect() {
      const reply = next<{ receipts: Record<string, number[]> }>('receipts');
      child.send({ type: 'collect' });
      return (await reply).receipts;
    },
    async close() {
      if (child.exitCode === null) child.send({ type: 'close' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function post(url: string, body: string): Promise<{ text: string; sentAt: number; answeredAt: number }> {
  const sentAt = wallNow();
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await response.text();
  return { text, sentAt, answeredAt: wallNow() };
}

async function fanOut(
  server: RunningServer,
  seeded: { product: string; email: string; licenseId: string; tokens: string[] },
  transport: 'sse' | 'ws',
  count: number,
  events: number,
) {
  const run = randomBytes(3).toString('hex');
  log(`P3: ${count.toLocaleString('en-US')} ${transport.toUpperCase()} subscribers connecting …`);
  const t0 = performance.now();
  const subscribers = await startSubscribers({ url: server.url, count, transport, licenseId: seeded.licenseId, tokens: seeded.tokens });
  const setupSeconds = round((performance.now() - t0) / 1000, 1);
  try {
    if (subscribers.failed) log(`P3: ${subscribers.failed} subscriptions failed, first: ${subscribers.firstError}`);
    const rssWithSubscribers = server.rssMb();
    let received = 0;
    /** Waits until every open subscriber has `expected` receipts in all, or `ms` pass. */
    const settle = async (expected: number, ms: number) => {
      const until = Date.now() + ms;
      while ((received = await subscribers.count()) < expected && Date.now() < until) await sleep(20);
    };
    // Warm-up event: proves every subscription is live (WebSocket subscriptions are not acknowledged).
    const warm = await post(server.url, activateBody(seeded.email, seeded.product, `${run}-warm`));
    if (!warm.text.includes('ActivateMachineSuccess')) throw new Error(`P3 warm-up activation failed: ${warm.text.slice(0, 300)}`);
    await settle(subscribers.open, 60_000);
    const live = received;
    await subscribers.collect();
    let expected = received;
    const answers: { key: string; sentAt: number; answeredAt: number }[] = [];
    let token: string | null = null;
    for (let e = 0; e < events; e++) {
      await sleep(200);
      // Activate a new machine, then deactivate it: both publish one event to every subscriber.
      const { text, sentAt, answeredAt }: Awaited<ReturnType<typeof post>> = token
        ? await post(server.url, JSON.stringify({ query: DEACTIVATE, variables: { input: { token } } }))
        : await post(server.url, activateBody(seeded.email, seeded.product, `${run}-${e}`));
      const result: { __typename: string; token?: string; activation?: { id: string } } | undefined = (JSON.parse(text) as { data?: { result?: { __typename: string; token?: string; activation?: { id: string } } } }).data?.result;
      let key: string;
      if (token) {
        if (result?.__typename !== 'DeactivateMachineSuccess') throw new Error(`P3 deactivation failed: ${text.slice(0, 300)}`);
        key = `${answers.at(-1)!.key.split(':')[0]}:DEACTIVATED`;
        token = null;
      } else {
        if (result?.__typename !== 'ActivateMachineSuccess') throw new Error(`P3 activation failed: ${text.slice(0, 300)}`);
        key = `${result.activation!.id}:ACTIVATED`;
        token = result.token!;
      }
      answers.push({ key, sentAt, answeredAt });
      expected += live;
      await settle(expected, 30_000);
    }
    const receipts = await subscribers.collect();
    const fromAnswer: number[] = [];
    const fromRequest: number[] = [];
    let missing = 0;
    for (const answer of answers) {
      const times = receipts[answer.key] ?? [];
      missing += Math.max(0, live - times.length);
      for (const at of times) {
        fromAnswer.push(at - answer.answeredAt);
        fromRequest.push(at - answer.sentAt);
      }
    }
    fromAnswer.sort((a, b) => a - b);
    fromRequest.sort((a, b) => a - b);
    const stats = (list: number[]) => ({
      p50: round(percentile(list, 0.5), 1),
      p99: round(percentile(list, 0.99), 1),
      max: round(list.at(-1) ?? Number.NaN, 1),
      min: round(list[0] ?? Number.NaN, 1),
    });
    return {
      transport,
      subscribers: count,
      open: subscribers.open,
      live,
      failed: subscribers.failed,
      events,
      receipts: fromAnswer.length,
      missing,
      setupSeconds,
      serverRssMb: rssWithSubscribers,
      fromAnswerMs: stats(fromAnswer),
      fromRequestMs: stats(fromRequest),
    };
  } finally {
    await subscribers.close();
  }
}

/** `count` idle SSE subscribers held at once: the server's resident memory before and with them. */
async function idle(server: RunningServer, seeded: { licenseId: string; tokens: string[] }, count: number) {
  const perProcess = 15_000;
  const rssBefore = server.rssMb();
  const groups: Subscribers[] = [];
  try {
    for (let from = 0; from < count; from += perProcess) {
      log(`P3: idle SSE subscribers ${from.toLocaleString('en-US')}–${Math.min(count, from + perProcess).toLocaleString('en-US')} connecting …`);
      groups.push(await startSubscribers({ url: server.url, count: Math.min(perProcess, count - from), transport: 'sse', licenseId: seeded.licenseId, tokens: seeded.tokens }));
    }
    await sleep(2000);
    const rssWith = server.rssMb();
    const open = groups.reduce((n, g) => n + g.open, 0);
    const failed = groups.reduce((n, g) => n + g.failed, 0);
    return { asked: count, open, failed, firstError: groups.find((g) => g.firstError)?.firstError ?? null, rssBefore, rssWith, kbPerSubscriber: round(((rssWith - rssBefore) * 1024) / Math.max(1, open), 1) };
  } finally {
    for (const group of groups) await group.close();
  }
}

/** One login with one license of a million seats and 100 sessions: every subscriber watches that license. */
async function oneLicense(prisma: Parameters<Parameters<typeof withApi>[1]>[0]) {
  const { product, customers } = await seed(prisma, { customers: 1, seats: 1_000_000, cost: 4, sessions: 100 });
  const customer = customers[0]!;
  return { product, email: customer.email, licenseId: customer.licenseIds[0]!, tokens: customer.sessions };
}

export async function runP3(): Promise<BenchResult> {
  const sse = sizes('BENCH_P3_SSE', QUICK ? '200' : '1000,10000');
  const ws = sizes('BENCH_P3_WS', QUICK ? '100' : '1000');
  const events = envInt('BENCH_P3_EVENTS', QUICK ? 4 : 10, 1, 1000);
  const idleWanted = envInt('BENCH_P3_IDLE', QUICK ? 1000 : 50_000, 0, 1_000_000);
  const fdLimit = Number(execSync('ulimit -n', { shell: '/bin/sh', encoding: 'utf8' }).trim());
  const rows: (Row & { sse?: number })[] = [];
  const details: Record<string, unknown> = { events, fdLimit, runs: [] as unknown[] };
  await withApi(
    'embedded',
    oneLicense,
    async (server, seeded) => {
      for (const [transport, counts] of [['sse', sse], ['ws', ws]] as const) {
        for (const count of counts) {
          if (Number.isFinite(fdLimit) && count + 200 > fdLimit) {
            log(`P3: skipping ${count} ${transport} subscribers: ulimit -n is ${fdLimit} (each side needs one descriptor per subscriber)`);
            continue;
          }
          const result = await fanOut(server, seeded, transport, count, events);
          (details.runs as unknown[]).push(result);
          if (result.missing) log(`P3: ${result.missing} receipts missing (${result.live} live subscribers × ${events} events)`);
          const { p50, p99, max } = result.fromAnswerMs;
          // Negative: the event reached the subscriber before the mutation's answer reached the driver
          // (the service publishes before it signs the token and answers).
          rows.push({
            id: 'P3',
            figure:
              `answer → ${count.toLocaleString('en-US')} ${transport === 'sse' ? 'SSE' : 'WebSocket'} subscribers: p99 ` +
              `(p50 ${p50}, max ${max}; from request p99 ${result.fromRequestMs.p99})`,
            value: p99,
            unit: 'ms',
            baseline: null,
            baselineName: null,
            ratio: null,
            goal: '< 100 ms',
            met: p99 < 100 && result.missing === 0,
            ...(transport === 'sse' ? { sse: count } : {}),
          });
        }
      }
    },
  );
  // Idle subscribers on a server of their own: after the fan-out runs the first server's heap is
  // large and shrinking, which would hide (or turn negative) what each idle subscriber costs.
  if (idleWanted > 0) {
    await withApi(
      'embedded',
      oneLicense,
      async (server, seeded) => {
        const count = Number.isFinite(fdLimit) ? Math.min(idleWanted, fdLimit - 500) : idleWanted;
        if (count < idleWanted) log(`P3: ${count.toLocaleString('en-US')} idle subscribers instead of ${idleWanted.toLocaleString('en-US')}: ulimit -n is ${fdLimit}`);
        const held = await idle(server, seeded, count);
        details.idle = held;
        if (held.failed) log(`P3 idle: ${held.failed} failed, first: ${held.firstError}`);
        rows.push({
          id: 'P3',
          figure: `idle SSE subscribers held (${held.kbPerSubscriber} kB resident each; ${held.rssBefore} → ${held.rssWith} MB${count < idleWanted ? `; capped by ulimit -n ${fdLimit}` : ''})`,
          value: held.open,
          unit: '',
          baseline: null,
          baselineName: null,
          ratio: null,
          goal: `${idleWanted.toLocaleString('en-US')} held`,
          met: held.open >= idleWanted,
        });
      },
    );
  }
  // The floor of each SSE figure, on the same driver and subscriber process.
  const floors: Record<number, unknown> = {};
  for (const row of rows.filter((r) => r.id === 'P3' && r.sse)) {
    const count = row.sse!;
    const floor = await startProcess('bench/fanout-floor-server.ts', {}, '/ready');
    try {
      const result = await fanOut(floor, { product: 'floor', email: 'floor@bench.invalid', licenseId: 'floor', tokens: ['floor'] }, 'sse', count, events);
      floors[count] = result;
      const p99 = result.fromAnswerMs.p99;
      row.baseline = p99;
      row.baselineName = 'floor p99 ms';
      // Less is better: floor ÷ figure (1 = at the floor).
      row.ratio = round(Math.max(p99, 0.1) / Math.max(row.value, 0.1), 2);
      if (result.missing) row.met = false;
    } finally {
      await floor.stop();
    }
  }
  details.floors = floors;
  for (const row of rows) delete row.sse;
  return { rows, details };
}
