// The public contract as our clients use it: every operation document the SDK and the dashboard send
// validates against the committed SDL (packages/schema/schema.graphql, itself drift-tested in
// schema.test.ts), with the variables they send; the generated types (codegen.ts, written at install)
// are those of today's SDL and documents; the SDK's error codes are the SDL's.
import { readFileSync } from 'node:fs';
import { generate } from '@graphql-codegen/cli';
import * as sdkOperations from '@slotkeeper/client/operation';
import { SERVER_ERROR_CODES } from '@slotkeeper/client/error';
import { KEY_LIST_TYPE as SDK_KEY_LIST_TYPE, TOKEN_TYPE as SDK_TOKEN_TYPE } from '@slotkeeper/client/verify';
import { KEY_LIST_TYPE, TOKEN_TYPE } from '@slotkeeper/schema/services/signing-key';
import {
  type GraphQLEnumType,
  type GraphQLInputObjectType,
  type OperationDefinitionNode,
  buildSchema,
  getNamedType,
  getVariableValues,
  isEnumType,
  parse,
  validate,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import codegenConfig from '../codegen.ts';
import { createAuthProvider } from '../packages/admin/src/authProvider.ts';
import { RESOURCES, createDataProvider } from '../packages/admin/src/dataProvider.ts';
import { createApi } from '../packages/admin/src/graphql.ts';
import { SLOT_EVENTS } from '../packages/admin/src/slot-event.ts';

const schema = buildSchema(readFileSync('packages/schema/schema.graphql', 'utf8'));

/**
 * What is wrong with a document, and the variables sent with it when given, against the SDL; empty
 * when it would run. (The SDK's variables are checked by the compiler: their types are generated.)
 */
function problems(document: string, variables?: Record<string, unknown>): string[] {
  let ast;
  try {
    ast = parse(document);
  } catch (error) {
    return [(error as Error).message];
  }
  const found = validate(schema, ast).map((e) => e.message);
  if (variables === undefined) return found;
  for (const operation of ast.definitions.filter((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')) {
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
    for (const error of coerced.errors ?? []) found.push(error.message);
  }
  return found;
}

describe('the check itself', () => {
  it('refuses a document or variables the SDL does not allow', () => {
    expect(problems('mutation { activateMachine(input: { email: "a" }) { __typename } }')).not.toEqual([]);
    expect(problems('query { myLicenses { id seatz } }')).toEqual([expect.stringContaining('Cannot query field "seatz" on type "License"')]);
    expect(
      problems('mutation($input: LogInInput!) { logIn(input: $input) { __typename } }', { input: { email: 'a', password: 'b', product: 'x' } }),
    ).toEqual([expect.stringContaining('Field "product" is not defined by type "LogInInput"')]);
  });
});

describe('the SDK', () => {
  const documents = Object.entries(sdkOperations).map(([name, document]) => [name, String(document)] as const);

  // The fragments are sent inside the operations that spread them (the generated documents carry them).
  const operations = documents.filter(([, text]) => /^\s*(query|mutation|subscription)\b/.test(text));

  it('sends only operations that validate against the SDL', () => {
    expect(operations.map(([name]) => name).sort()).toEqual([
      'ACTIVATE',
      'CHANGE_PASSWORD',
      'DEACTIVATE',
      'LOG_IN',
      'MY_LICENSES',
      'RELEASE',
      'RENEW',
      'REQUEST_PASSWORD_RESET',
      'RESET_PASSWORD',
      'START_TRIAL',
    ]);
    for (const [name, text] of operations) expect(problems(text), name).toEqual([]);
  });

  it('knows every error code of the SDL, and only those, as a server code', () => {
    const sdl = (schema.getType('ErrorCode') as GraphQLEnumType).getValues().map((v) => v.value);
    expect([...SERVER_ERROR_CODES].sort()).toEqual([...sdl].sort());
  });

  it('verifies tokens and key lists of the types the server signs', () => {
    expect(SDK_TOKEN_TYPE).toBe(TOKEN_TYPE);
    expect(SDK_KEY_LIST_TYPE).toBe(KEY_LIST_TYPE);
  });
});

describe('the generated types', () => {
  it('are those of the committed SDL and of the documents in the code (else: pnpm generate)', async () => {
    const outputs = await generate({ ...codegenConfig, silent: true }, false);
    expect(outputs.length).toBe(Object.keys(codegenConfig.generates).length + 2);
    for (const { filename, content } of outputs) {
      expect(readFileSync(filename, 'utf8'), `${filename} is stale: run pnpm generate`).toBe(content);
    }
  });
});

describe('the dashboard', () => {
  /** Every request the dashboard's providers make, through the real graphql.ts, answered with a little of everything. */
  function recorder() {
    const sent: { query: string; variables: Record<string, unknown> }[] = [];
    const id = { id: '1' };
    const data = {
      page: { totalCount: 0, edges: [] },
      record: id,
      products: [{ ...id, code: 'p', name: 'P' }],
      viewer: { ...id, email: 'a@example.com', role: 'VENDOR_ADMIN', reseller: null },
      seatUsage: { byProduct: [], byReseller: [], history: [] },
      result: { __typename: 'Success', token: 'sst_x', license: id, staff: id, reseller: id, product: id, newCustomer: false, password: null, ok: true },
    };
    const fetch = (async (_url: string, init: RequestInit) => {
      const body = JSON.parse(String(init.body));
      sent.push({ query: body.query, variables: body.variables ?? {} });
      return new Response(JSON.stringify({ data }), { headers: { 'content-type': 'application/json' } });
    }) as typeof globalThis.fetch;
    const api = createApi({ url: 'http://slotkeeper.test/graphql', token: () => 'sst_x', fetch });
    return { sent, api };
  }

  /** A value of the filter field's type: the enum's first value, else one of its scalar. */
  function sample(type: string, field: string): unknown {
    const input = schema.getType(`${type}Filter`) as GraphQLInputObjectType;
    const named = getNamedType(input.getFields()[field]!.type);
    if (isEnumType(named)) return named.getValues()[0]!.value;
    return { String: 'x', ID: '1', Int: 1, Boolean: true }[named.name];
  }

  it('sends only documents and variables that validate against the SDL, for every resource and action', async () => {
    const { sent, api } = recorder();
    const provider = createDataProvider(api);
    const auth = createAuthProvider(api, { token: () => 'sst_x', set: () => undefined, clear: () => undefined });
    const previous = { id: '1', status: 'ACTIVE', seats: 1, expiresAt: '2030-01-01T00:00:00.000Z', disabledAt: null };

    for (const [name, resource] of [...Object.entries(RESOURCES), ['products', null] as const]) {
      const filter = resource ? Object.fromEntries(Object.keys(resource.filters).map((key) => [key, sample(resource.type, key)])) : { q: 'x' };
      for (const field of resource ? Object.keys(resource.sorts) : ['code']) {
        await provider.getList(name, { pagination: { page: 2, perPage: 10 }, sort: { field, order: 'DESC' }, filter });
      }
      await provider.getOne(name, { id: '1' }).catch(() => undefined);
    }
    const creates: Record<string, Record<string, unknown>> = {
      licenses: { email: 'a@example.com', product: 'p', seats: 2, expiresAt: '2030-01-01', reseller: 'R' },
      staff: { email: 'a@example.com', role: 'RESELLER_ADMIN', reseller: 'R', password: 'a long password 1' },
      resellers: { name: 'R' },
      products: { code: 'p', name: 'P', leaseDays: 30, remoteReleasesPerYear: 3, links: { website: 'https://example.com' } },
    };
    // Each action sends at least one mutation (which ones is the provider's business).
    const actions: [string, () => Promise<unknown>][] = [
      ...Object.entries(creates).map(([name, data]): [string, () => Promise<unknown>] => [`create ${name}`, () => provider.create(name, { data })]),
      [
        'update licenses',
        () =>
          provider.update('licenses', {
            id: '1',
            data: { status: 'SUSPENDED', seats: 3, expiresAt: '2031-01-01', releaseActivationIds: ['2'] },
            previousData: previous,
          }),
      ],
      ['disable staff', () => provider.update('staff', { id: '1', data: { disabled: true }, previousData: previous })],
      ['release activation', () => provider.delete('activations', { id: '1', meta: { note: 'lost laptop' }, previousData: previous })],
      ['delete staff', () => provider.delete('staff', { id: '1', previousData: previous })],
      ['resend credentials', () => provider.resendCredentials('1')],
      ['send password reset', () => provider.sendPasswordReset('1')],
      ['change staff password', () => provider.changeStaffPassword({ currentPassword: 'a', newPassword: 'b', newPasswordRepeat: 'b' })],
      ['log in', () => auth.login({ username: 'a@example.com', password: 'p' })],
      ['log out', () => auth.logout({})],
    ];
    for (const [action, run] of actions) {
      const before = sent.length;
      await run();
      expect(sent.slice(before).filter((s) => /^\s*mutation\b/.test(s.query)).length, action).toBeGreaterThan(0);
    }
    await provider.seatUsage(30);
    await provider.seatActivity(30);
    await auth.getIdentity!();
    sent.push({ query: SLOT_EVENTS, variables: {} });

    const roots = new Set(sent.map(({ query }) => /\{\s*(?:\w+:\s*)?(\w+)/.exec(query.slice(query.indexOf('{')))?.[1]));
    for (const root of [...Object.values(RESOURCES).flatMap((r) => [r.field, ...(r.one ? [r.one] : [])]), 'products', 'seatUsage', 'viewer', 'slotUsageChanged']) {
      expect(roots, root).toContain(root);
    }
    const invalid = sent.map((s) => ({ ...s, problems: problems(s.query, s.variables) })).filter((s) => s.problems.length > 0);
    expect(invalid).toEqual([]);
  });
});
