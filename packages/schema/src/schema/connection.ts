import { queryFromInfo } from '@pothos/plugin-prisma';
import { type DefaultConnectionArguments, resolveOffsetConnection } from '@pothos/plugin-relay';
import type { GraphQLResolveInfo } from 'graphql';
import { builder } from '../builder.ts';
import type { Context } from '../context.ts';

builder.globalConnectionField('totalCount', (t) =>
  t.int({ description: 'All records that match the filter, over all pages.', resolve: (connection) => connection.totalCount }),
);

export const SortDirection = builder.enumType('SortDirection', { values: ['ASC', 'DESC'] as const });

/** An orderBy input `{ field, direction }` over the given sortable fields. */
export function orderInput<const F extends readonly string[]>(name: string, fields: F) {
  const field = builder.enumType(`${name}SortField`, { values: fields });
  return builder.inputType(`${name}Order`, {
    fields: (t) => ({
      field: t.field({ type: field }),
      direction: t.field({ type: SortDirection, defaultValue: 'ASC' }),
    }),
  });
}

type Direction = 'asc' | 'desc';

/** The Prisma orderBy of a sort field: `customer_email` is `{ customer: { email } }`. */
type OrderOf<F extends string> = F extends `${infer Relation}_${infer Field}`
  ? { [R in Relation]: { [N in Field]: Direction } }
  : { [K in F]: Direction };

export function orderBy<F extends string>(order: { field: F; direction?: 'ASC' | 'DESC' | null } | null | undefined, fallback: F): [OrderOf<F>, { id: 'asc' }] {
  const direction: Direction = order?.direction === 'DESC' ? 'desc' : 'asc';
  const field = order?.field ?? fallback;
  // A sort on a related record's field is the enum value `relation_field` (GraphQL enum values can't
  // hold a dot). TypeScript can't follow a computed key into OrderOf, so the one assertion is here.
  const [relation, nested] = field.split('_');
  const primary = nested ? { [relation!]: { [nested]: direction } } : { [field]: direction };
  return [primary as OrderOf<F>, { id: 'asc' }];
}

/**
 * A page of a Relay connection read by offset (react-admin pages by number; cursors are
 * `OffsetConnection:n`), with the Prisma selection the query asked for under edges.node.
 */
export async function offsetPage<T extends object>(
  args: DefaultConnectionArguments,
  ctx: Context,
  info: GraphQLResolveInfo,
  count: () => Promise<number>,
  find: (query: object, page: { take: number; skip: number }) => Promise<T[]>,
) {
  const query = queryFromInfo({ context: ctx, info, path: ['edges', 'node'] });
  const totalCount = await count();
  const page = await resolveOffsetConnection({ args, totalCount, maxSize: 500 }, ({ limit, offset }) =>
    find(query, { take: limit, skip: offset }),
  );
  return { ...page, totalCount };
}

/** A filter's optional ID argument (graphql-js gives string or number) as the string services take. */
export function idOrNull(id: string | number | null | undefined): string | null {
  return id == null ? null : String(id);
}
