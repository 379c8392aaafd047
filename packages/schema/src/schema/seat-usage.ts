import { builder } from '../builder.ts';
import type { SeatUsagePoint as Point, SeatUsageSummary } from '../services/admin.ts';

const SeatUsageRow = builder.objectRef<SeatUsageSummary['byProduct'][number]>('SeatUsageRow').implement({
  fields: (t) => ({
    key: t.exposeString('key'),
    label: t.exposeString('label'),
    licenses: t.exposeInt('licenses'),
    seatsSold: t.exposeInt('seatsSold'),
    seatsUsed: t.exposeInt('seatsUsed'),
    seatsFree: t.exposeInt('seatsFree'),
  }),
});

const SeatUsagePoint = builder.objectRef<Point>('SeatUsagePoint').implement({
  fields: (f) => ({
    day: f.exposeString('day'),
    seatsUsed: f.exposeInt('seatsUsed'),
    activations: f.exposeInt('activations', { description: 'Machines activated that day (UTC).' }),
    denied: f.exposeInt('denied', { description: 'Activations refused with NO_FREE_SLOT that day (UTC).' }),
  }),
});

const SeatUsageSeries = builder.objectRef<SeatUsageSummary['resellerHistory'][number]>('SeatUsageSeries').implement({
  fields: (t) => ({
    key: t.exposeString('key'),
    label: t.exposeString('label'),
    history: t.field({ type: [SeatUsagePoint], resolve: (s) => s.history }),
  }),
});

const SeatUsage = builder.objectRef<SeatUsageSummary>('SeatUsage').implement({
  description: 'Seats of active, unexpired licenses in the caller\'s scope.',
  fields: (t) => ({
    byProduct: t.field({ type: [SeatUsageRow], resolve: (s) => s.byProduct }),
    byReseller: t.field({ type: [SeatUsageRow], resolve: (s) => s.byReseller }),
    history: t.field({ type: [SeatUsagePoint], resolve: (s) => s.history }),
    resellerHistory: t.field({
      type: [SeatUsageSeries],
      description: "The same days per reseller in the caller's scope (direct sales under the key `direct`).",
      resolve: (s) => s.resellerHistory,
    }),
  }),
});

builder.queryField('seatUsage', (t) =>
  t.field({
    type: SeatUsage,
    authScopes: { staff: true },
    args: { days: t.arg.int({ required: false, defaultValue: 30, description: 'History length (1-366).' }) },
    resolve: (_root, args, ctx) => ctx.services.admin.seatUsage(ctx.caller, args.days ?? 30),
  }),
);
