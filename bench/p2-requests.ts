// P2: renewToken and myLicenses throughput (the SDK's selections) over HTTP with CONNECTIONS clients,
// beside their floor (bench/floor-server.ts: the same work by hand on node:http + pg + node:crypto, on
// the same PostgreSQL schema, right after) and a bare graphql-yoga `{ hello }` server started the same
// way, all in the same run. 32 logins, each with a license of 5 seats, 3 machines on it and a session;
// renewals rotate over one live token per login. Goal ≥ 0.5 of the floor on PostgreSQL; the embedded
// engine has no floor of its kind (pg can't reach it), so its goal stays ≥ 0.5 of bare yoga.
import { randomBytes } from 'node:crypto';
import { MY_LICENSES, RENEW } from '../packages/client/src/operation.ts';
import {
  type BenchResult,
  CONNECTIONS,
  type LoadResult,
  type Row,
  SECONDS,
  activateBody,
  databaseKinds,
  failedNote,
  load,
  log,
  round,
  seed,
  startFloor,
  startHello,
  withApi,
} from './support.ts';

export async function runP2(): Promise<BenchResult> {
  const hello = await startHello();
  let baseline: LoadResult;
  try {
    const body = JSON.stringify({ query: '{ hello }' });
    await load({ url: hello.url, connections: CONNECTIONS, amount: 500, body: () => body, ok: () => true });
    log(`P2: bare yoga { hello } for ${SECONDS} s …`);
    baseline = await load({ url: hello.url, connections: CONNECTIONS, seconds: SECONDS, body: () => body, ok: (t) => t.includes('"world"') });
  } finally {
    await hello.stop();
  }
  const rows: Row[] = [];
  const details: Record<string, unknown> = { connections: CONNECTIONS, hello: baseline };
  const row = (figure: string, result: LoadResult, floor: LoadResult | null): Row => {
    const versusYoga = round(result.okPerSecond / baseline.okPerSecond, 3);
    const ratio = floor ? round(result.okPerSecond / floor.okPerSecond, 3) : versusYoga;
    const failed = failedNote(result) + failedNote(floor);
    return {
      id: 'P2',
      figure: `${figure}${failedNote(result)}`,
      value: result.okPerSecond,
      unit: '/s',
      baseline: floor ? floor.okPerSecond : baseline.okPerSecond,
      baselineName: floor ? `floor/s${failedNote(floor)}` : 'yoga hello/s',
      ratio,
      goal: '≥ 0.5',
      met: ratio >= 0.5 && !failed,
      second: floor ? { value: baseline.okPerSecond, name: 'yoga hello/s', ratio: versusYoga } : undefined,
    };
  };
  for (const kind of databaseKinds()) {
    await withApi(
      kind,
      (prisma) => seed(prisma, { customers: CONNECTIONS, seats: 5, cost: 4, sessions: 1, activations: 3 }),
      async (server, { product, customers }, database) => {
        const run = randomBytes(3).toString('hex');
        // One live slot (and its token) per login, taken over HTTP so that the server signs it.
        const tokens: string[] = [];
        for (const [i, customer] of customers.entries()) {
          const response = await fetch(`${server.url}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: activateBody(customer.email, product, `${run}-${i}`),
          });
          const text = await response.text();
          const token = (JSON.parse(text) as { data?: { result?: { token?: string } } }).data?.result?.token;
          if (!token) throw new Error(`P2 ${kind}: activation failed: ${text.slice(0, 300)}`);
          tokens.push(token);
        }
        const renewBodies = tokens.map((token) => JSON.stringify({ query: RENEW, variables: { input: { token } } }));
        const renewOk = (t: string) => t.includes('"RenewTokenSuccess"');
        await load({ url: server.url, connections: CONNECTIONS, amount: 200, body: (i) => renewBodies[i % renewBodies.length]!, ok: renewOk });
        log(`P2 ${kind}: renewToken for ${SECONDS} s …`);
        const renew = await load({ url: server.url, connections: CONNECTIONS, seconds: SECONDS, body: (i) => renewBodies[i % renewBodies.length]!, ok: renewOk });
        if (renew.firstFailure) log(`P2 ${kind} renew: ${renew.failed} failed, first: ${renew.firstFailure}`);

        const licensesBody = JSON.stringify({ query: MY_LICENSES });
        const headers = (i: number) => ({ authorization: `Bearer ${customers[i % customers.length]!.sessions[0]!}` });
        const licensesOk = (t: string) => t.includes('"myLicenses":[{');
        await load({ url: server.url, connections: CONNECTIONS, amount: 200, body: () => licensesBody, headers, ok: licensesOk });
        log(`P2 ${kind}: myLicenses for ${SECONDS} s …`);
        const licenses = await load({ url: server.url, connections: CONNECTIONS, seconds: SECONDS, body: () => licensesBody, headers, ok: licensesOk });
        if (licenses.firstFailure) log(`P2 ${kind} myLicenses: ${licenses.failed} failed, first: ${licenses.firstFailure}`);
        let floor: { renew: LoadResult; licenses: LoadResult } | null = null;
        if (kind === 'postgres') {
          const hand = await startFloor(database);
          try {
            const floorBodies = tokens.map((token) => JSON.stringify({ query: RENEW, variables: { input: { token: hand.token(token) } } }));
            const floorBody = (i: number) => floorBodies[i % floorBodies.length]!;
            await load({ url: hand.url, connections: CONNECTIONS, amount: 200, body: floorBody, ok: renewOk });
            log(`P2 ${kind}: floor renewal for ${SECONDS} s …`);
            const floorRenew = await load({ url: hand.url, connections: CONNECTIONS, seconds: SECONDS, body: floorBody, ok: renewOk });
            if (floorRenew.firstFailure) log(`P2 floor renew: ${floorRenew.failed} failed, first: ${floorRenew.firstFailure}`);
            await load({ url: hand.url, connections: CONNECTIONS, amount: 200, body: () => licensesBody, headers, ok: licensesOk });
            log(`P2 ${kind}: floor license list for ${SECONDS} s …`);
            const floorLicenses = await load({ url: hand.url, connections: CONNECTIONS, seconds: SECONDS, body: () => licensesBody, headers, ok: licensesOk });
            if (floorLicenses.firstFailure) log(`P2 floor myLicenses: ${floorLicenses.failed} failed, first: ${floorLicenses.firstFailure}`);
            floor = { renew: floorRenew, licenses: floorLicenses };
          } finally {
            await hand.stop();
          }
        }
        details[kind] = { renew, licenses, floor };
        rows.push(row(`renewToken/s, ${kind}`, renew, floor?.renew ?? null), row(`myLicenses/s, ${kind}`, licenses, floor?.licenses ?? null));
      },
    );
  }
  return { rows, details };
}
