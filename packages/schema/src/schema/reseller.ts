import { builder } from '../builder.ts';
import { recordResult } from './result.ts';
import { requireStaff, scope } from '../services/caller.ts';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../services/errors.ts';
import type { MergedResellers } from '../services/reseller.ts';
import { listArgs, modelPage, orderBy } from './connection.ts';

export const ResellerRef = builder.prismaObject('Reseller', {
  description: "A company that sells the vendor's plug-ins to its own customers. Names are unique whatever their case.",
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    licenseCount: t.relationCount('licenses', { description: 'Licenses it sold.' }),
    staffCount: t.relationCount('staff', { description: 'Its staff accounts.' }),
  }),
});

builder.queryField('resellers', (t) =>
  t.connection({
    type: ResellerRef,
    authScopes: { staff: true },
    args: listArgs(t, 'Reseller', ['name', 'createdAt'], (f) => ({ q: f.string({ required: false }) })),
    resolve: (_root, args, ctx, info) => {
      const where = {
        ...scope.resellers(requireStaff(ctx.caller)),
        ...(args.filter?.q ? { name: { contains: args.filter.q, mode: 'insensitive' as const } } : {}),
      };
      return modelPage(args, ctx, info, ctx.db.reseller, where, orderBy(args.orderBy, 'name'));
    },
  }),
);

const ResellerResult = (name: string) => recordResult(name, 'reseller', ResellerRef);

builder.mutationFields((t) => ({
  createReseller: t.fieldWithInput({
    type: ResellerResult('CreateResellerSuccess'),
    description: 'Vendor admins only. A name another reseller has in any case is INVALID_INPUT.',
    input: { name: t.input.string() },
    errors: { types: [ForbiddenError, InvalidInputError] },
    resolve: (_root, { input }, ctx) => ctx.services.resellers.create(ctx.caller, input.name),
  }),
  renameReseller: t.fieldWithInput({
    type: ResellerResult('RenameResellerSuccess'),
    description: "Vendor admins rename any reseller, a reseller admin their own (another's is NOT_FOUND). A name another reseller has in any case is INVALID_INPUT.",
    input: { resellerId: t.input.id(), name: t.input.string() },
    errors: { types: [ForbiddenError, NotFoundError, InvalidInputError] },
    resolve: (_root, { input }, ctx) => ctx.services.resellers.rename(ctx.caller, String(input.resellerId), input.name),
  }),
  mergeResellers: t.fieldWithInput({
    type: builder.objectRef<MergedResellers>('MergeResellersSuccess').implement({
      fields: (f) => ({
        reseller: f.field({ type: ResellerRef, description: 'The reseller that remains.', resolve: (r) => r.reseller }),
        movedLicenses: f.int({ resolve: (r) => r.moved.licenses }),
        movedStaff: f.int({ resolve: (r) => r.moved.staff }),
        movedWebhookEndpoints: f.int({ resolve: (r) => r.moved.webhookEndpoints }),
      }),
    }),
    description:
      "Vendor admins only: the source reseller's licenses (and so customers), staff, webhook endpoints and history move to the target, and the source is deleted. Not undoable.",
    input: { sourceId: t.input.id({ description: 'The reseller that goes away.' }), targetId: t.input.id({ description: 'The one that remains.' }) },
    errors: { types: [ForbiddenError, NotFoundError, InvalidInputError] },
    resolve: (_root, { input }, ctx) => ctx.services.resellers.merge(ctx.caller, String(input.sourceId), String(input.targetId)),
  }),
}));
