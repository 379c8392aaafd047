import { builder } from '../builder.ts';

/** A success that carries only a confirmation: the mutation's effect is the answer. */
export function confirmation(name: string, description?: string) {
  return builder.objectRef<true>(name).implement({
    description,
    fields: (t) => ({ ok: t.boolean({ resolve: () => true }) }),
  });
}
