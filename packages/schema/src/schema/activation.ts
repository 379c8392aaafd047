import { type BuilderTypes, builder } from '../builder.ts';
import { recordResult } from './result.ts';
import {
  BorrowTooLongError,
  ForbiddenError,
  InvalidInputError,
  InvalidTokenError,
  NoFreeSlotError,
  NotFoundError,
  ReleaseLimitReachedError,
  SlotReleasedError,
  TrialNotRenewableError,
} from '../services/errors.ts';
import type { SlotResult } from '../services/activation.ts';
import { idOrNull, listArgs, modelPage, orderBy } from './connection.ts';
import { LICENSE_USE_ERRORS, PASSWORD_CHECK_ERRORS } from './error.ts';
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
    overage: t.exposeBoolean('overage', { description: "Taken beyond the license's seats, within the product's overage; its tokens carry `ovr: true`." }),
    license: t.relation('license'),
  }),
});

builder.queryField('activations', (t) =>
  t.connection({
    type: ActivationRef,
    authScopes: { staff: true },
    args: listArgs(t, 'Activation', ['activatedAt', 'lastSeenAt', 'releasedAt', 'machineName'], (f) => ({
      licenseId: f.id({ required: false }),
      live: f.boolean({ required: false, description: 'true: slots held now; false: released ones.' }),
      q: f.string({ required: false, description: 'Part of the machine name or OS user.' }),
    })),
    resolve: (_root, args, ctx, info) => {
      const f = args.filter;
      const where = ctx.services.activations.visibleWhere(ctx.caller, f && { ...f, licenseId: idOrNull(f.licenseId) });
      return modelPage(args, ctx, info, ctx.db.activation, where, orderBy(args.orderBy, 'activatedAt', 'desc'));
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
      overage: t.boolean({
        description: "This slot lies beyond the license's seats (the product's overage allowed it); the token says `ovr: true`.",
        resolve: (result) => result.activation.overage,
      }),
    }),
  });

const ActivateMachineSuccess = SlotSuccess('ActivateMachineSuccess', 'The slot this machine holds and its fresh token.');
const RenewTokenSuccess = SlotSuccess('RenewTokenSuccess', 'The same slot with a fresh token.');

/** The machine a plug-in speaks for, as activateMachine and startTrial take it in their input. */
export const machineInput = (input: PothosSchemaTypes.InputFieldBuilder<BuilderTypes, 'InputObject'>) => ({
  product: input.string({ description: 'Product code.' }),
  fingerprint: input.string({ description: 'Stable machine fingerprint; only its hash is stored.' }),
  machineName: input.string(),
  osUser: input.string(),
});

const LicenseChangeSuccess = (name: string) => recordResult(name, 'license', LicenseRef);

builder.mutationField('activateMachine', (t) =>
  t.fieldWithInput({
    type: ActivateMachineSuccess,
    description: 'Takes one free slot of the login\'s license for the product (or refreshes this machine\'s slot).',
    input: {
      email: t.input.string({ description: 'The purchase e-mail (login).' }),
      password: t.input.string(),
      ...machineInput(t.input),
      borrowSeconds: t.input.int({
        required: false,
        description: "A token valid this long instead of the lease (travel), up to the product's maxBorrowSeconds; more: BORROW_TOO_LONG.",
      }),
    },
    errors: {
      types: [...PASSWORD_CHECK_ERRORS, InvalidInputError, NotFoundError, NoFreeSlotError, BorrowTooLongError, ...LICENSE_USE_ERRORS],
    },
    resolve: (_root, { input }, ctx) => ctx.services.activations.activate(input),
  }),
);

builder.mutationField('deactivateMachine', (t) =>
  t.fieldWithInput({
    type: LicenseChangeSuccess('DeactivateMachineSuccess'),
    description: 'Frees the slot of this machine.',
    typeOptions: { description: "Either the machine's token, or login + password + product + fingerprint." },
    input: {
      token: t.input.string({ required: false }),
      email: t.input.string({ required: false }),
      password: t.input.string({ required: false }),
      product: t.input.string({ required: false }),
      fingerprint: t.input.string({ required: false }),
    },
    errors: { types: [...PASSWORD_CHECK_ERRORS, InvalidInputError, InvalidTokenError, NotFoundError] },
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
  t.fieldWithInput({
    type: RenewTokenSuccess,
    description:
      "A fresh token for the slot; the product's lease (or a borrow) decides its expiry. A slot released because its lease " +
      'lapsed (LEASE_EXPIRED) comes back into a free seat as a new activation (within the revival window), else NO_FREE_SLOT; ' +
      'any other release answers SLOT_RELEASED.',
    input: {
      token: t.input.string({ description: 'The newest token of this machine; it may have expired.' }),
      borrowSeconds: t.input.int({ required: false, description: "As on activateMachine: up to the product's maxBorrowSeconds." }),
    },
    errors: { types: [InvalidTokenError, SlotReleasedError, NoFreeSlotError, BorrowTooLongError, InvalidInputError, TrialNotRenewableError, ...LICENSE_USE_ERRORS] },
    resolve: (_root, { input }, ctx) => ctx.services.activations.renew(input.token, input.borrowSeconds),
  }),
);

builder.mutationField('releaseActivation', (t) =>
  t.fieldWithInput({
    type: LicenseChangeSuccess('ReleaseActivationSuccess'),
    description: 'Releases a lost machine\'s slot from the license manager (counted against the yearly limit).',
    input: { activationId: t.input.id() },
    errors: { types: [ForbiddenError, NotFoundError, ReleaseLimitReachedError] },
    resolve: (_root, { input }, ctx) => ctx.services.activations.releaseByCustomer(ctx.caller, String(input.activationId)),
  }),
);

builder.mutationField('adminReleaseActivation', (t) =>
  t.fieldWithInput({
    type: LicenseResult('AdminReleaseActivationSuccess'),
    description: "Frees a machine's slot (reason ADMIN_RELEASE, not counted against the customer's yearly limit).",
    input: { activationId: t.input.id(), note: t.input.string({ required: false, description: 'Why (kept in the audit log).' }) },
    errors: { types: [ForbiddenError, NotFoundError] },
    resolve: (_root, { input }, ctx) => ctx.services.activations.releaseByStaff(ctx.caller, String(input.activationId), input.note),
  }),
);
