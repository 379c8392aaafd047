// The GraphQL-over-HTTP conformance audit of `graphql-http` (the reference implementation of the
// spec), run against a server process started as an operator starts it (main.ts, configured by its
// environment), as an integrator's tooling would probe it (issue 15).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ApiProcess, ownSchema, startApiProcess } from '../scripts/api-process.ts';
import { workerDatabaseUrl } from './support/database-url.ts';

describe.each([
  { mode: 'development', env: { NODE_ENV: 'development' } },
  // Production with the one switch the audits need: four of them send an introspection query
  // (`__type(name: $name)`), which production refuses by default.
  { mode: 'production with GRAPHQL_INTROSPECTION=true', env: { NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'true' } },
])('graphql-http server audits, $mode', { timeout: 180_000 }, ({ mode, env }) => {
  let server: ApiProcess;
  let cleanUp: () => Promise<void>;
  beforeAll(async () => {
    const databaseUrl = workerDatabaseUrl();
    const schema = databaseUrl ? ownSchema(databaseUrl, 'audit') : null;
    const dataDir = mkdtempSync(join(tmpdir(), 'slotkeeper-audit-'));
    cleanUp = async () => {
      await server?.stop();
      await schema?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    };
    server = await startApiProcess({
      env: { PATH: process.env.PATH, DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...(schema ? { DATABASE_URL: schema.url } : {}), ...env },
    });
  }, 180_000);
  afterAll(() => cleanUp?.());

  it('every audit is ok', async () => {
    // The mode took effect: /metrics is open in development and absent in production without METRICS_TOKEN.
    expect((await fetch(`${server.url}/metrics`)).status).toBe(env.NODE_ENV === 'development' ? 200 : 404);
    const results = [];
    for (const audit of serverAudits({ url: `${server.url}/graphql` })) results.push(await audit.fn());
    const failed = results.filter((result) => result.status !== 'ok');
    console.log(`graphql-http audits (${mode}): ${results.length - failed.length} of ${results.length} ok`);
    expect(failed.map(({ name, status, reason }) => `${status} ${name}: ${reason}`)).toEqual([]);
  });
});
