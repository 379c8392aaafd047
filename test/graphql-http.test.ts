// The GraphQL-over-HTTP conformance audit of `graphql-http` (the reference implementation of the
// spec), run over a real socket, as an integrator's tooling would probe the server (issue 15).
import { loadConfig } from '@slotkeeper/api/config';
import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, startTestApp } from './support/app.ts';

// Production as an operator runs it, with the one switch the audits need: several of them send
// `{ __typename }` and introspection-shaped queries, which production refuses by default.
const production = loadConfig({ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'true', DATA_DIR: '/nonexistent' });

describe.each([
  { mode: 'development', config: {} },
  { mode: 'production with GRAPHQL_INTROSPECTION=true', config: { production: true, graphql: production.graphql } },
])('graphql-http server audits, $mode', ({ mode, config }) => {
  let t: TestApp;
  let url: string;
  beforeAll(async () => {
    t = await startTestApp({ config });
    url = `${(await t.listen()).url}/graphql`;
  });
  afterAll(() => t?.close());

  it('every audit is ok', async () => {
    expect(t.app.config.production).toBe(mode !== 'development');
    const results = [];
    for (const audit of serverAudits({ url: () => url })) results.push(await audit.fn());
    const failed = results.filter((result) => result.status !== 'ok');
    console.log(`graphql-http audits (${mode}): ${results.length - failed.length} of ${results.length} ok`);
    expect(failed.map(({ name, status, reason }) => `${status} ${name}: ${reason}`)).toEqual([]);
  });
});
