import type { Activation } from '../generated/prisma/client.ts';
import { filter } from '@graphql-yoga/subscription';
import { builder } from '../builder.ts';
import { scope } from '../services/caller.ts';
import { clientError } from '../client-error.ts';
import { ForbiddenError, NotFoundError } from '../services/errors.ts';
import type { SlotUsageEvent } from '../services/slot-event.ts';
import { ActivationRef } from './license.ts';

const SlotChange = builder.enumType('SlotChange', { values: ['ACTIVATED', 'DEACTIVATED', 'RELEASED'] as const });

const SlotUsageChange = builder.objectRef<SlotUsageEvent>('SlotUsageChange').implement({
  description: 'A slot of a license was taken or freed.',
  fields: (t) => ({
    licenseId: t.exposeID('licenseId'),
    seats: t.exposeInt('seats'),
    seatsUsed: t.exposeInt('seatsUsed'),
    change: t.field({ type: SlotChange, resolve: (event) => event.change }),
    at: t.field({ type: 'DateTime', resolve: (event) => event.at }),
    activation: t.field({
      type: ActivationRef,
      // Events arrive as JSON (possibly through Redis); the Activation type reads only these fields.
      resolve: ({ activation: a }) =>
        ({
          ...a,
          activatedAt: new Date(a.activatedAt),
          lastSeenAt: new Date(a.lastSeenAt),
          releasedAt: a.releasedAt ? new Date(a.releasedAt) : null,
        }) as Activation,
    }),
  }),
});

builder.subscriptionField('slotUsageChanged', (t) =>
  t.field({
    type: SlotUsageChange,
    description:
      'Every slot change of one license (customer session: one of theirs; staff: one in their scope), ' +
      "or, for staff without licenseId, of every license in their scope.",
    args: { licenseId: t.arg.id({ required: false }) },
    subscribe: async (_root, args, ctx) => {
      const { caller } = ctx;
      if (caller.kind === 'anonymous') throw clientError(new ForbiddenError());
      if (args.licenseId == null) {
        if (caller.kind !== 'staff') throw clientError(new ForbiddenError('Customers subscribe to one license: give licenseId.'));
        const resellerId = scope.resellerId(caller);
        return filter((event: SlotUsageEvent) => resellerId === undefined || event.resellerId === resellerId)(ctx.slots.subscribeAll());
      }
      const licenseId = String(args.licenseId);
      const where = caller.kind === 'customer' ? { id: licenseId, customerId: caller.customerId } : { id: licenseId, ...scope.licenses(caller) };
      if (!(await ctx.db.license.count({ where }))) throw clientError(new NotFoundError('There is no such license.'));
      return ctx.slots.subscribe(licenseId);
    },
    resolve: (event) => event,
  }),
);
