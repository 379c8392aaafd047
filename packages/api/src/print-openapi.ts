// Prints the REST bridge's OpenAPI document to packages/schema/openapi.json, beside schema.graphql
// (committed, for C# client generators; test/rest.test.ts fails on drift). Run by `pnpm schema:print`.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { schema } from '@slotkeeper/schema/schema/index';
import { openApiDocument } from './rest/bridge.ts';

const target = fileURLToPath(new URL('../../schema/openapi.json', import.meta.url));
writeFileSync(target, `${JSON.stringify(await openApiDocument(schema), null, 2)}\n`);
console.log(`wrote ${target}`);
