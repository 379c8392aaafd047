import { builder } from '../builder.ts';
import {
  ForbiddenError,
  InvalidCredentialsError,
  InvalidInputError,
  InvalidTokenError,
  NoFreeSlotError,
  NotFoundError,
  RateLimitedError,
  ReleaseLimitReachedError,
  SlotReleasedError,
} from '../services/errors.ts';
import type { LicenseUsage, SlotResult } from '../services/activation.ts';
import { idOrNull, offsetPage, orderBy, orderInput } from './connection.ts';
import { LICENSE_USE_ERRORS } from './error.ts';
import { LicenseRef, LicenseResult } from './license.ts';

export const ReleaseReason = builder.enumType('ReleaseReason', {
  values: ['DEACTIVATED', 'REMOTE_RELEASE', 'ADMIN_RELEASE', 'LEASE_EXPIRED'] as const,
});

export const ActivationRef = builder.prismaObject('Activation', {
  description: 'One slot held by one machine.',
  fields: (t) => ({
    id: t.exposeID('id'),
    machineName: t.exposeString('machineName'),
    osUser: t.exposeString('osUser'),
    activatedAt: t.expose('activatedAt', { type: 'DateTime' }),
    lastSeenAt: t.expose('lastSeenAt', { type: 'DateTime' }),
    releasedAt: t.expose('releasedAt', { type: 'DateTime', nullable: true }),
    releaseReason: t.expose('releaseReason', { type: ReleaseReason, nullable: true }),
    license: t.relation('license'),
  }),
});

const ActivationFilter = builder.inputType('ActivationFilter', {
  fields: (t) => ({
    licenseId: t.id({ required: false }),
    live: t.boolean({ required: false, description: 'true: slots held now; false: released ones.' }),
    q: t.string({ required: false, description: 'Part of the machine name or OS user.' }),
  }),
});

builder.queryField('activations', (t) =>
  t.connection({
    type: ActivationRef,
    authScopes: { staff: true },
    args: {
      filter: t.arg({ type: ActivationFilter, required: false }),
      orderBy: t.arg({ type: orderInput('Activation', ['activatedAt', 'lastSeenAt', 'releasedAt', 'machineName'] as const), required: false }),
    },
    resolve: (_root, args, ctx, info) => {
      const f = args.filter;
      const where = ctx.services.activations.visibleWhere(ctx.caller, f && { ...f, licenseId: idOrNull(f.licenseId) });
      return offsetPage(args, ctx, info, () => ctx.db.activation.count({ where }), (query, page) =>
        ctx.db.activation.findMany({
          ...query,
          where,
          orderBy: args.orderBy ? orderBy(args.orderBy, 'activatedAt') : [{ activatedAt: 'desc' }, { id: 'asc' }],
          ...page,
        }),
      );
    },
  }),
);

const SlotSuccess = (name: string, description: string) =>
  builder.objectRef<SlotResult>(name).implement({
    description,
    fields: (t) => ({
      token: t.exposeString('token', { description: "Signed offline token (JWT; EdDSA, or RS256 when the product's tokenAlg is RS256): verify it with the JWKS." }),
      activation: t.field({ type: ActivationRef, resolve: (result) => result.activation }),
      license: t.field({ type: LicenseRef, resolve: (result) => result.license }),
    }),
  });

const ActivateMachineSuccess = SlotSuccess('ActivateMachineSuccess', 'The slot this machine holds and its fresh token.');
const RenewTokenSuccess = SlotSuccess('RenewTokenSuccess', 'The same slot with a fresh token.');

const LicenseChangeSuccess = (name: string) =>
  builder.objectRef<LicenseUsage>(name).implement({
    fields: (t) => ({ license: t.field({ type: LicenseRef, resolve: (license) => license }) }),
  });

const ActivateMachineInput = builder.inputType('ActivateMachineInput', {
  fields: (t) => ({
    email: t.string({ description: 'The purchase e-mail (login).' }),
    password: t.string(),
    product: t.string({ description: 'Product code.' }),
    fingerprint: t.string({ description: 'Stable machine fingerprint; only its hash is stored.' }),
    machineName: t.string(),
    osUser: t.string(),
  }),
});

const DeactivateMachineInput = builder.inputType('DeactivateMachineInput', {
  description: "Either the machine's token, or login + password + product + fingerprint.",
  fields: (t) => ({
    token: t.string({ required: false }),
    email: t.string({ required: false }),
    password: t.string({ required: false }),
    product: t.string({ required: false }),
    fingerprint: t.string({ required: false }),
  }),
});

builder.mutationField('activateMachine', (t) =>
  t.field({
    type: ActivateMachineSuccess,
    description: 'Takes one free slot of the login\'s license for the product (or refreshes this machine\'s slot).',
    args: { input: t.arg({ type: ActivateMachineInput }) },
    errors: {
      types: [InvalidCredentialsError, RateLimitedError, InvalidInputError, NotFoundError, NoFreeSlotError, ...LICENSE_USE_ERRORS],
    },
    resolve: (_root, { input }, ctx) => ctx.services.activations.activate(input),
  }),
);

builder.mutationField('deactivateMachine', (t) =>
  t.field({
    type: LicenseChangeSuccess('DeactivateMachineSuccess'),
    description: 'Frees the slot of this machine.',
    args: { input: t.arg({ type: DeactivateMachineInput }) },
    errors: { types: [InvalidCredentialsError, RateLimitedError, InvalidInputError, InvalidTokenError, NotFoundError] },
    resolve: (_root, { input }, ctx) => {
      const { token, email, password, product, fingerprint } = input;
      if (token != null) return ctx.services.activations.deactivateWithToken(token);
      if (email == null || password == null || product == null || fingerprint == null) {
        throw new InvalidInputError('token', 'Give the token, or e-mail, password, product and fingerprint.');
      }
      return ctx.services.activations.deactivateWithLogin({ email, password, product, fingerprint });
    },
  }),
);

builder.mutationField('renewToken', (t) =>
  t.field({
    type: RenewTokenSuccess,
    description: 'A fresh token for a live slot; the product\'s lease decides its expiry.',
    args: { input: t.arg({ type: builder.inputType('RenewTokenInput', { fields: (f) => ({ token: f.string() }) }) }) },
    errors: { types: [InvalidTokenError, SlotReleasedError, ...LICENSE_USE_ERRORS] },
    resolve: (_root, { input }, ctx) => ctx.services.activations.renew(input.token),
  }),
);

builder.mutationField('releaseActivation', (t) =>
  t.field({
    type: LicenseChangeSuccess('ReleaseActivationSuccess'),
    description: 'Releases a lost machine\'s slot from the license manager (counted against the yearly limit).',
    args: {
      input: t.arg({ type: builder.inputType('ReleaseActivationInput', { fields: (f) => ({ activationId: f.id() }) }) }),
    },
    errors: { types: [ForbiddenError, NotFoundError, ReleaseLimitReachedError] },
    resolve: (_root, { input }, ctx) => ctx.services.activations.releaseByCustomer(ctx.caller, String(input.activationId)),
  }),
);

builder.mutationField('adminReleaseActivation', (t) =>
  t.field({
    type: LicenseResult('AdminReleaseActivationSuccess'),
    description: "Frees a machine's slot (reason ADMIN_RELEASE, not counted against the customer's yearly limit).",
    args: {
      input: t.arg({
        type: builder.inputType('AdminReleaseActivationInput', {
          fields: (f) => ({ activationId: f.id(), note: f.string({ required: false, description: 'Why (kept in the audit log).' }) }),
        }),
      }),
    },
    errors: { types: [ForbiddenError, NotFoundError] },
    resolve: (_root, { input }, ctx) => ctx.services.activations.releaseByStaff(ctx.caller, String(input.activationId), input.note),
  }),
);
