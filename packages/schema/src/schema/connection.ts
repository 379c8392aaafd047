import { queryFromInfo } from '@pothos/plugin-prisma';
import { type DefaultConnectionArguments, resolveOffsetConnection } from '@pothos/plugin-relay';
import type { GraphQLResolveInfo } from 'graphql';
import type { ArgBuilder, InputFieldMap } from '@pothos/core';
import { type BuilderTypes, builder } from '../builder.ts';
import type { Context } from '../context.ts';
import type PrismaTypes from '../generated/pothos-types.ts';

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

/**
 * A connection's two optional arguments: `filter`, of the input type `<name>Filter` with these fields,
 * and `orderBy`, `<name>Order` over the sortable fields. The dashboard's data provider asks for them
 * by these names.
 */
export function listArgs<const F extends readonly string[], Fields extends InputFieldMap>(
  t: { arg: ArgBuilder<BuilderTypes> },
  name: string,
  sortable: F,
  filter: (f: PothosSchemaTypes.InputFieldBuilder<BuilderTypes, 'InputObject'>) => Fields,
) {
  return {
    filter: t.arg({ type: builder.inputType(`${name}Filter`, { fields: filter }), required: false }),
    orderBy: t.arg({ type: orderInput(name, sortable), required: false }),
  };
}

type Direction = 'asc' | 'desc';

/** The Prisma orderBy of a sort field: `customer_email` is `{ customer: { email } }`. */
type OrderOf<F extends string> = F extends `${infer Relation}_${infer Field}`
  ? { [R in Relation]: { [N in Field]: Direction } }
  : { [K in F]: Direction };

/** `fallbackDirection` applies when no order is given: lists read newest first by default pass 'desc'. */
export function orderBy<F extends string>(
  order: { field: F; direction?: 'ASC' | 'DESC' | null } | null | undefined,
  fallback: F,
  fallbackDirection: Direction = 'asc',
): [OrderOf<F>, { id: 'asc' }] {
  const direction: Direction = order ? (order.direction === 'DESC' ? 'desc' : 'asc') : fallbackDirection;
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

/** The two reads of a Prisma model that a page takes (`ctx.db.license`, `ctx.db.trial`, …). */
interface PageableModel {
  count(args: { where: never }): PromiseLike<number>;
  findMany(args: never): PromiseLike<object[]>;
}
type FindManyArgs<M extends PageableModel> = NonNullable<Parameters<M['findMany']>[0]>;
type RowOf<M extends PageableModel> = Awaited<ReturnType<M['findMany']>>[number];

/** A page of one model's records matching `where`, in `order`: `offsetPage` over its count and findMany. */
export function modelPage<M extends PageableModel>(
  args: DefaultConnectionArguments,
  ctx: Context,
  info: GraphQLResolveInfo,
  model: M,
  where: FindManyArgs<M> extends { where?: infer W } ? W : never,
  order: FindManyArgs<M> extends { orderBy?: infer O } ? O : never,
) {
  // M's own (generic) signatures take these arguments; TypeScript can't call them through the constraint.
  const reads = model as unknown as { count(args: object): Promise<number>; findMany(args: object): Promise<RowOf<M>[]> };
  return offsetPage(args, ctx, info, () => reads.count({ where }), (query, page) => reads.findMany({ ...query, where, orderBy: order, ...page }));
}

/** A filter's optional ID argument (graphql-js gives string or number) as the string services take. */
export function idOrNull(id: string | number | null | undefined): string | null {
  return id == null ? null : String(id);
}

type ScopedModel = keyof PrismaTypes & ('Customer' | 'License' | 'Trial' | 'WebhookEndpoint');

/**
 * A root field that reads one record by id, for staff (or, with `vendor`, vendor admins only): `find`
 * applies the caller's scope, so a record of another tenant is null, like one that doesn't exist.
 */
export function recordById(
  t: PothosSchemaTypes.QueryFieldBuilder<BuilderTypes, BuilderTypes['Root']>,
  model: ScopedModel,
  options: { description?: string; vendor?: true },
  find: (ctx: Context, query: object, id: string) => Promise<PrismaTypes[ScopedModel]['Shape'] | null>,
) {
  return t.prismaField({
    type: model,
    nullable: true,
    authScopes: options.vendor ? { vendor: true } : { staff: true },
    description: options.description,
    args: { id: t.arg.id() },
    resolve: (query, _root, args, ctx) => find(ctx, query, String(args.id)),
  });
}
