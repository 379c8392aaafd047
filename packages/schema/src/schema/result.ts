import type { ObjectRef } from '@pothos/core';
import { type BuilderTypes, builder } from '../builder.ts';
import type { Context } from '../context.ts';
import type PrismaTypes from '../generated/pothos-types.ts';

/** A success that carries only a confirmation: the mutation's effect is the answer. */
export function confirmation(name: string, description?: string) {
  return builder.objectRef<true>(name).implement({
    description,
    fields: (t) => ({ ok: t.boolean({ resolve: () => true }) }),
  });
}

type Model = keyof PrismaTypes & ('Customer' | 'License' | 'Product');

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

/** The success type of a mutation whose service answers with the changed record itself: one field that is it. */
export function recordResult<T>(name: string, field: string, type: ObjectRef<BuilderTypes, T>) {
  return builder.objectRef<T>(name).implement({
    // The record is the field's value as it is; for a generic T TypeScript can't evaluate Pothos'
    // resolver-result type (a conditional on T), so the one assertion is here.
    fields: (t) => ({ [field]: t.field({ type, resolve: (record) => record as never }) }),
  });
}
