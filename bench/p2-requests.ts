// P2: renewToken and myLicenses throughput (the SDK's selections) over HTTP with CONNECTIONS clients,
// beside a bare graphql-yoga `{ hello }` server started the same way, measured in the same run.
// 32 logins, each with a license of 5 seats, 3 machines on it and a session; renewals rotate over
// one live token per login. Goal ≥ 0.5 on every database.
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
  load,
  log,
  round,
  seed,
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
  const row = (figure: string, result: LoadResult): Row => {
    const ratio = round(result.okPerSecond / baseline.okPerSecond, 3);
    return {
      id: 'P2',
      figure,
      value: result.okPerSecond,
      unit: '/s',
      baseline: baseline.okPerSecond,
      baselineName: 'yoga hello/s',
      ratio,
      goal: '≥ 0.5',
      met: ratio >= 0.5,
    };
  };
  for (const kind of databaseKinds()) {
    await withApi(
      kind,
      (prisma) => seed(prisma, { customers: CONNECTIONS, seats: 5, cost: 4, sessions: 1, activations: 3 }),
      async (server, { product, customers }) => {
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
        details[kind] = { renew, licenses };
        rows.push(row(`renewToken/s, ${kind}`, renew), row(`myLicenses/s, ${kind}`, licenses));
      },
    );
  }
  return { rows, details };
}
