import { builder } from '../builder.ts';
import type { StartedTrial } from '../services/trial.ts';
import { InvalidInputError, NoTrialError, NotFoundError, RateLimitedError, TrialUsedError } from '../services/errors.ts';
import { machineInput } from './activation.ts';
import { listArgs, modelPage, orderBy, recordById } from './connection.ts';
import { ProductRef } from './product.ts';

const TrialRef = builder.prismaObject('Trial', {
  description: "One machine's trial of one product; the e-mail, when given, is a lead.",
  fields: (t) => ({
    id: t.exposeID('id'),
    product: t.relation('product'),
    machineName: t.exposeString('machineName'),
    osUser: t.exposeString('osUser'),
    email: t.exposeString('email', { nullable: true }),
    startedAt: t.expose('startedAt', { type: 'DateTime' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    license: t.relation('license', { nullable: true, description: 'The purchase by the same e-mail that followed the trial; null until then.' }),
  }),
});

builder.queryFields((t) => ({
  trials: t.connection({
    type: TrialRef,
    description: 'Trials and their leads, newest first by default (vendor admins).',
    authScopes: { vendor: true },
    args: listArgs(t, 'Trial', ['startedAt', 'expiresAt', 'email', 'machineName'], (f) => ({
      product: f.string({ required: false, description: 'Product code.' }),
      email: f.string({ required: false, description: "Part of the lead's e-mail." }),
      converted: f.boolean({ required: false, description: 'true: followed by a purchase; false: not (yet).' }),
    })),
    resolve: (_root, args, ctx, info) => {
      const where = ctx.services.trials.visibleWhere(ctx.caller, args.filter);
      return modelPage(args, ctx, info, ctx.db.trial, where, orderBy(args.orderBy, 'startedAt', 'desc'));
    },
  }),
  trial: recordById(t, 'Trial', { vendor: true }, (ctx, query, id) =>
    ctx.db.trial.findFirst({ ...query, where: { AND: [ctx.services.trials.visibleWhere(ctx.caller), { id }] } }),
  ),
}));

const StartTrialSuccess = builder.objectRef<StartedTrial>('StartTrialSuccess').implement({
  description: 'The trial token: verified offline like an activation\'s, with `trial: true`; it takes no seat and is not renewed.',
  fields: (t) => ({
    token: t.exposeString('token', { description: 'Signed offline token (JWT) lasting the trial.' }),
    expiresAt: t.field({ type: 'DateTime', resolve: (result) => result.trial.expiresAt }),
    product: t.field({ type: ProductRef, resolve: (result) => result.product }),
  }),
});

builder.mutationField('startTrial', (t) =>
  t.fieldWithInput({
    type: StartTrialSuccess,
    description: "Starts this machine's trial of a product: no login, no seat; once per machine per product, ever.",
    input: {
      ...machineInput(t.input),
      email: t.input.string({ required: false, description: 'The user\'s e-mail, optional: a later purchase by it is linked to the trial.' }),
    },
    errors: { types: [RateLimitedError, InvalidInputError, NotFoundError, NoTrialError, TrialUsedError] },
    resolve: (_root, { input }, ctx) => ctx.services.trials.start(input),
  }),
);
