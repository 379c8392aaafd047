import { lexicographicSortSchema, printSchema } from 'graphql';
import { schema } from './schema/index.ts';

export function printSortedSchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
