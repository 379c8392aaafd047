import { builder } from '../builder.ts';
import type { Context } from '../context.ts';
import type PrismaTypes from '../generated/pothos-types.ts';

/** A success that carries only a confirmation: the mutation's effect is the answer. */
export function confirmation(name: string, description?: string) {
  return builder.objectRef<true>(name).implement({
    description,
    fields: (t) => ({ ok: t.boolean({ resolve: () => true }) }),
  });
}

type Model = keyof PrismaTypes & ('License' | 'Product');

/**
 * The success type of a mutation whose service answers with the changed record's id: the one field
 * re-reads the record after the change, with the selection the client asked for.
 */
export function resultById(model: Model, field: string, find: (ctx: Context, query: object, id: string) => Promise<PrismaTypes[Model]['Shape']>) {
  return (name: string) =>
    builder.objectRef<{ id: string }>(name).implement({
      fields: (t) => ({
        [field]: t.prismaField({ type: model, resolve: (query, parent, _args, ctx) => find(ctx, query, parent.id) }),
      }),
    });
}
