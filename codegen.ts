// GraphQL Code Generator: the types of the public contract for every client we ship, from the
// committed SDL (packages/schema/schema.graphql, itself drift-tested against the Pothos schema).
// Run at install (`postinstall`) and by `pnpm generate`, like the Prisma client; the output is not
// committed (`src/generated/` is ignored), so a schema change reaches the SDK and the dashboard
// without a second copy to merge. test/contract.test.ts fails when the output is stale.
import type { CodegenConfig } from '@graphql-codegen/cli';

const scalars = { DateTime: 'string' };

const config: CodegenConfig = {
  schema: 'packages/schema/schema.graphql',
  emitLegacyCommonJSImports: false,
  generates: {
    // The SDK's operations (`graphql(...)` in operation.ts): typed documents, their variables and
    // results, and the enums they use (`ErrorCode` among them).
    'packages/client/src/generated/': {
      preset: 'client',
      documents: ['packages/client/src/**/*.ts', '!packages/client/src/generated/**'],
      presetConfig: { fragmentMasking: false },
      // documentMode string: each document is a String subclass carrying its types, which
      // graphql-request and JSON request bodies take as they are.
      config: { documentMode: 'string', scalars, useTypeImports: true, avoidOptionals: { field: true, inputValue: false } },
    },
    // The same enums as values, for the SDK to tell a server's error code from any other at run time.
    'packages/client/src/generated/enums.ts': {
      plugins: ['typescript'],
      config: { onlyEnums: true, enumsAsConst: true },
    },
    // The dashboard builds its documents from resource tables at run time (dataProvider.ts), so it
    // gets the schema's types to derive its record shapes from; test/contract.test.ts validates the
    // documents it sends.
    'packages/admin/src/generated/schema.ts': {
      plugins: ['typescript'],
      config: { scalars, enumsAsTypes: true, skipTypename: true, useTypeImports: true, avoidOptionals: { field: true, inputValue: false } },
    },
  },
};

export default config;
