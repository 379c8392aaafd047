import type { Activation } from '../generated/prisma/client.ts';
import { filter } from '@graphql-yoga/subscription';
import { builder } from '../builder.ts';
import { clientError } from '../client-error.ts';
import { DomainError } from '../services/errors.ts';
import type { SlotUsageEvent } from '../services/slot-event.ts';
import { ActivationRef } from './activation.ts';

const SlotChange = builder.enumType('SlotChange', {
  description: "LEASE_EXPIRED: the slot healed, its newest token having expired unrenewed (the product's lease).",
  values: ['ACTIVATED', 'DEACTIVATED', 'RELEASED', 'LEASE_EXPIRED'] as const,
});

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
      const stream = await ctx.services.activations.slotStream(ctx.caller, args.licenseId == null ? null : String(args.licenseId)).catch((error) => {
        throw error instanceof DomainError ? clientError(error) : error;
      });
      if ('licenseId' in stream) return ctx.slots.subscribe(stream.licenseId);
      const { resellerId } = stream;
      return filter((event: SlotUsageEvent) => resellerId === undefined || event.resellerId === resellerId)(ctx.slots.subscribeAll());
    },
    resolve: (event) => event,
  }),
);
