// API tokens for machine-to-machine access (a CRM, Zapier, a reseller's own shop). A reseller admin
// sees and revokes its reseller's only; another tenant's is NOT_FOUND, as every record of another tenant.
import type { ApiToken } from '../generated/prisma/client.ts';
import { builder } from '../builder.ts';
import { recordResult } from './result.ts';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../services/errors.ts';
import { listArgs, modelPage, orderBy } from './connection.ts';
import { StaffRole } from './staff.ts';

const ApiTokenRef = builder.prismaObject('ApiToken', {
  description:
    'A bearer token (`Authorization: Bearer skapi_…`) that acts on the admin API as a staff member of its role and reseller. The secret is shown once, when made.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    role: t.expose('role', { type: StaffRole }),
    reseller: t.relation('reseller', { nullable: true, description: "A reseller admin token's reseller; null for a vendor admin token." }),
    hint: t.exposeString('hint', { description: 'The first characters of the token, to tell tokens apart.' }),
    createdBy: t.relation('createdBy', {
      nullable: true,
      description: 'The staff member who made it (the token stops while they are disabled); null: the operator (CLI).',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true, description: 'Updated at most once a minute.' }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
  }),
});

builder.queryField('apiTokens', (t) =>
  t.connection({
    type: ApiTokenRef,
    authScopes: { staff: true },
    args: listArgs(t, 'ApiToken', ['createdAt', 'name', 'lastUsedAt'], (f) => ({
      name: f.string({ required: false, description: 'Part of the name.' }),
      revoked: f.boolean({ required: false, description: 'true: revoked only; false: working only.' }),
    })),
    resolve: (_root, args, ctx, info) => {
      const revoked = args.filter?.revoked;
      const where = {
        ...ctx.services.apiTokens.visibleWhere(ctx.caller),
        ...(args.filter?.name ? { name: { contains: args.filter.name } } : {}),
        ...(revoked == null ? {} : { revokedAt: revoked ? { not: null } : null }),
      };
      return modelPage(args, ctx, info, ctx.db.apiToken, where, orderBy(args.orderBy, 'createdAt'));
    },
  }),
);

builder.mutationFields((t) => ({
  createApiToken: t.fieldWithInput({
    type: builder.objectRef<{ apiToken: ApiToken; token: string }>('CreateApiTokenSuccess').implement({
      fields: (f) => ({
        apiToken: f.field({ type: ApiTokenRef, resolve: (r) => r.apiToken }),
        token: f.exposeString('token', { description: 'The bearer token: shown only now (only its hash is stored).' }),
      }),
    }),
    description:
      "Makes an API token. Vendor admins make either role; reseller admins only reseller admin tokens of their own reseller. Tokens can't make tokens.",
    input: {
      name: t.input.string({ description: 'What uses it, e.g. "CRM sync".' }),
      role: t.input.field({ type: StaffRole }),
      reseller: t.input.string({ required: false, description: "A reseller admin token's reseller, by name (reseller admins: their own)." }),
    },
    errors: { types: [ForbiddenError, InvalidInputError, NotFoundError] },
    resolve: (_root, { input }, ctx) => ctx.services.apiTokens.create(ctx.caller, input),
  }),
  revokeApiToken: t.fieldWithInput({
    type: recordResult('RevokeApiTokenSuccess', 'apiToken', ApiTokenRef),
    description: 'Stops the token at once, on every instance; its open subscriptions end. Revoking a revoked token changes nothing.',
    input: { id: t.input.id() },
    errors: { types: [ForbiddenError, NotFoundError] },
    resolve: (_root, { input }, ctx) => ctx.services.apiTokens.revoke(ctx.caller, String(input.id)),
  }),
}));
