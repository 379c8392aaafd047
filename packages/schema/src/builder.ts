import SchemaBuilder, { type SchemaTypes } from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import WithInputPlugin from '@pothos/plugin-with-input';
import { clientError } from './client-error.ts';
import type { Context } from './context.ts';
import type PrismaTypes from './generated/pothos-types.ts';
import { getDatamodel } from './generated/pothos-types.ts';
import { ForbiddenError } from './services/errors.ts';

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  AuthScopes: { customer: boolean; staff: boolean; vendor: boolean };
  Connection: { totalCount: number };
  Scalars: { DateTime: { Input: Date; Output: Date | string } };
  DefaultFieldNullability: false;
  DefaultInputFieldRequiredness: true;
}>({
  plugins: [ScopeAuthPlugin, ErrorsPlugin, PrismaPlugin, RelayPlugin, WithInputPlugin],
  defaultFieldNullability: false,
  defaultInputFieldRequiredness: true,
  scopeAuth: {
    authScopes: (ctx) => ({
      customer: ctx.caller.kind === 'customer',
      staff: ctx.caller.kind === 'staff',
      vendor: ctx.caller.kind === 'staff' && ctx.caller.role === 'VENDOR_ADMIN',
    }),
    unauthorizedError: () => clientError(new ForbiddenError()),
  },
  errors: { directResult: true },
  // `t.fieldWithInput`: a mutation's input type is declared with it and named `<Mutation>Input`.
  withInput: {
    typeOptions: { name: ({ fieldName }) => `${fieldName[0]!.toUpperCase()}${fieldName.slice(1)}Input` },
  },
  relay: { clientMutationId: 'omit', cursorType: 'String', nodeQueryOptions: false, nodesQueryOptions: false },
  prisma: {
    // The client is per request (context): one schema serves the embedded engine and PostgreSQL.
    client: (ctx) => ctx.db,
    dmmf: getDatamodel(),
    filterConnectionTotalCount: true,
    onUnusedQuery: process.env.NODE_ENV === 'production' ? null : 'warn',
  },
});

/** The builder's type parameters, for helpers that take Pothos refs or field builders. */
export type BuilderTypes = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T extends SchemaTypes> ? T : never;

// No global `node(id)` field: every record is read through a field that applies the caller's tenant scope.
builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
