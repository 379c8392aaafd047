import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, startTestApp } from './support/app.ts';
import { ACTIVATE, machine } from './support/operations.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

describe('a server short of database capacity', () => {
  it('answers SERVICE_UNAVAILABLE with HTTP 503 and Retry-After, not a masked unexpected error', async () => {
    const license = await t.seed.license();
    // A real transaction-manager error from Prisma (P2028): a transaction that outlived its timeout.
    const timedOut = await t.app.database.prisma
      .$transaction(
        async (tx) => {
          await sleep(100);
          await tx.customer.count();
        },
        { timeout: 10 },
      )
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect((timedOut as { code?: string }).code).toBe('P2028');

    const activations = t.app.services.activations;
    const activate = activations.activate;
    activations.activate = async () => {
      throw timedOut;
    };
    try {
      const http = await t.listen();
      const response = await fetch(`${http.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: ACTIVATE, variables: { input: machine(license, 'busy') } }),
      });
      const body = await response.json();
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('5');
      expect(body.errors[0]).toMatchObject({ extensions: { code: 'SERVICE_UNAVAILABLE', retryAfterSeconds: 5 } });
      expect(body.errors[0].message).toMatch(/busy.*try again/);
    } finally {
      activations.activate = activate;
    }
    expect((await t.gql(ACTIVATE, { input: machine(license, 'busy') })).data.activateMachine.__typename).toBe('ActivateMachineSuccess');
  });

  it('still masks every other unexpected error', async () => {
    const license = await t.seed.license();
    const activations = t.app.services.activations;
    const activate = activations.activate;
    activations.activate = async () => {
      throw new Error('connection to 10.0.0.7:5432 refused');
    };
    try {
      const response = await t.gql(ACTIVATE, { input: machine(license, 'x') });
      expect(response.errors?.[0]).toMatchObject({ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      expect(JSON.stringify(response)).not.toContain('10.0.0.7');
    } finally {
      activations.activate = activate;
    }
  });
});
