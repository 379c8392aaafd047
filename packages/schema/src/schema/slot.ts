import type { Activation } from '../generated/prisma/client.ts';
import { builder } from '../builder.ts';
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
    description: 'Every slot change of one license of the logged-in customer.',
    args: { licenseId: t.arg.id() },
    subscribe: async (_root, args, ctx) => {
      if (ctx.caller.kind !== 'customer') throw clientError(new ForbiddenError());
      const licenseId = String(args.licenseId);
      const owned = await ctx.db.license.count({ where: { id: licenseId, customerId: ctx.caller.customerId } });
      if (!owned) throw clientError(new NotFoundError('There is no such license on your login.'));
      return ctx.slots.subscribe(licenseId);
    },
    resolve: (event) => event,
  }),
);
