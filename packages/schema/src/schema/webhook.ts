// Outbound webhooks: endpoints, their delivery log, "send again". A reseller admin manages its own
// endpoints only; another tenant's is NOT_FOUND, as every record of another tenant.
import type { WebhookEndpoint } from '../generated/prisma/client.ts';
import { builder } from '../builder.ts';
import { recordResult } from './result.ts';
import { policy } from '../services/policy.ts';
import { ForbiddenError, InvalidInputError, NotFoundError, UrlNotAllowedError } from '../services/errors.ts';
import { endpointScope } from '../services/webhook.ts';
import { WEBHOOK_EVENTS } from '../services/webhook/event.ts';
import { errorType } from './error.ts';
import { listArgs, modelPage, orderBy, recordById } from './connection.ts';

errorType(UrlNotAllowedError, 'UrlNotAllowedError', 'The URL resolves to a loopback, link-local or private address, which webhooks may not reach.', (t) => ({
  host: t.exposeString('host'),
  address: t.exposeString('address'),
}));

export const WebhookEventType = builder.enumType('WebhookEventType', {
  values: Object.fromEntries(WEBHOOK_EVENTS.map((e) => [e.replace('.', '_').toUpperCase(), { value: e }])) as Record<
    string,
    { value: (typeof WEBHOOK_EVENTS)[number] }
  >,
});

const WebhookEndpointRef = builder.prismaObject('WebhookEndpoint', {
  description: 'A receiver of signed event deliveries (Standard Webhooks). Its secret is shown once, when set.',
  fields: (t) => ({
    id: t.exposeID('id'),
    url: t.exposeString('url'),
    events: t.field({
      type: [WebhookEventType],
      description: 'The event types delivered; empty: all.',
      resolve: (e) => e.events as (typeof WEBHOOK_EVENTS)[number][],
    }),
    reseller: t.relation('reseller', { nullable: true, description: "Its reseller's events only; null: every event (vendor)." }),
    enabled: t.boolean({ resolve: (e) => e.disabledAt === null }),
    disabledAt: t.expose('disabledAt', { type: 'DateTime', nullable: true }),
    failingSince: t.expose('failingSince', { type: 'DateTime', nullable: true, description: 'Since when every attempt failed; null when the last one succeeded.' }),
    previousSecretUntil: t.expose('previousSecretUntil', {
      type: 'DateTime',
      nullable: true,
      description: 'After a rotation, the old secret signs beside the new one until then.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.prismaObject('WebhookAttempt', {
  fields: (t) => ({
    attempt: t.exposeInt('attempt'),
    at: t.expose('at', { type: 'DateTime' }),
    statusCode: t.exposeInt('statusCode', { nullable: true, description: 'The HTTP status; null when no answer came (timeout, refused).' }),
    error: t.exposeString('error', { nullable: true }),
    durationMs: t.exposeInt('durationMs'),
  }),
});

const WebhookDeliveryRef = builder.prismaObject('WebhookDelivery', {
  description: 'One event for one endpoint, with its attempts.',
  fields: (t) => ({
    id: t.exposeID('id'),
    eventId: t.exposeString('eventId', { description: 'The webhook-id header: the same on every attempt.' }),
    eventType: t.string({ select: { event: { select: { type: true } } }, resolve: (d) => d.event.type }),
    status: t.exposeString('status', { description: 'PENDING, SENDING, DELIVERED or FAILED (retries used up).' }),
    attempts: t.exposeInt('attempts'),
    lastStatusCode: t.exposeInt('lastStatusCode', { nullable: true }),
    lastError: t.exposeString('lastError', { nullable: true }),
    nextAttemptAt: t.expose('nextAttemptAt', { type: 'DateTime' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    deliveredAt: t.expose('deliveredAt', { type: 'DateTime', nullable: true }),
    log: t.relation('log', { query: { orderBy: [{ at: 'asc' }, { attempt: 'asc' }] } }),
  }),
});

builder.queryField('webhookEndpoints', (t) =>
  t.connection({
    type: WebhookEndpointRef,
    authScopes: { staff: true },
    args: listArgs(t, 'WebhookEndpoint', ['createdAt', 'url'], (f) => ({ url: f.string({ required: false, description: 'Part of the URL.' }) })),
    resolve: (_root, args, ctx, info) => {
      const where = {
        ...endpointScope(policy.manageWebhooks(ctx.caller)),
        ...(args.filter?.url ? { url: { contains: args.filter.url } } : {}),
      };
      return modelPage(args, ctx, info, ctx.db.webhookEndpoint, where, orderBy(args.orderBy, 'createdAt'));
    },
  }),
);

builder.queryField('webhookEndpoint', (t) =>
  recordById(t, 'WebhookEndpoint', { description: "One endpoint; null for another tenant's." }, (ctx, query, id) =>
    ctx.db.webhookEndpoint.findFirst({ ...query, where: { id, ...endpointScope(policy.manageWebhooks(ctx.caller)) } }),
  ),
);

builder.queryField('webhookDeliveries', (t) =>
  t.connection({
    type: WebhookDeliveryRef,
    authScopes: { staff: true },
    description: 'The delivery log of the endpoints in scope, newest first.',
    args: listArgs(t, 'WebhookDelivery', ['createdAt', 'status'], (f) => ({ endpointId: f.id({ required: false }), status: f.string({ required: false }) })),
    resolve: (_root, args, ctx, info) => {
      const where = {
        endpoint: endpointScope(policy.manageWebhooks(ctx.caller)),
        ...(args.filter?.endpointId ? { endpointId: String(args.filter.endpointId) } : {}),
        ...(args.filter?.status ? { status: args.filter.status.toUpperCase() } : {}),
      };
      return modelPage(args, ctx, info, ctx.db.webhookDelivery, where, orderBy(args.orderBy, 'createdAt', 'desc'));
    },
  }),
);

/** An endpoint with its new secret (the only time the secret is shown). */
function withSecret(name: string) {
  return builder.objectRef<{ endpoint: WebhookEndpoint; secret: string }>(name).implement({
    fields: (t) => ({
      endpoint: t.field({ type: WebhookEndpointRef, resolve: (r) => r.endpoint }),
      secret: t.exposeString('secret', { description: 'The whsec_ signing secret: shown only now.' }),
    }),
  });
}

const EndpointResult = recordResult('WebhookEndpointSuccess', 'endpoint', WebhookEndpointRef);

builder.mutationFields((t) => ({
  createWebhookEndpoint: t.fieldWithInput({
    type: withSecret('CreateWebhookEndpointSuccess'),
    description: "Adds an endpoint. A reseller admin's endpoint receives its reseller's events only.",
    input: {
      url: t.input.string(),
      events: t.input.field({ type: [WebhookEventType], required: false, description: 'None or empty: every event type.' }),
      reseller: t.input.string({ required: false, description: "Vendor admins: a reseller's name, whose events alone it receives." }),
    },
    errors: { types: [ForbiddenError, InvalidInputError, NotFoundError, UrlNotAllowedError] },
    resolve: (_root, { input }, ctx) => ctx.services.webhookEndpoints.add(ctx.caller, input),
  }),
  updateWebhookEndpoint: t.fieldWithInput({
    type: EndpointResult,
    description: 'Changes the URL or event types, or enables (after it was disabled for failing) or pauses the endpoint.',
    input: {
      id: t.input.id(),
      url: t.input.string({ required: false }),
      events: t.input.field({ type: [WebhookEventType], required: false }),
      enabled: t.input.boolean({ required: false }),
    },
    errors: { types: [ForbiddenError, InvalidInputError, NotFoundError, UrlNotAllowedError] },
    resolve: (_root, { input }, ctx) => ctx.services.webhookEndpoints.update(ctx.caller, String(input.id), input),
  }),
  deleteWebhookEndpoint: t.fieldWithInput({
    type: builder.objectRef<WebhookEndpoint>('DeleteWebhookEndpointSuccess').implement({
      fields: (f) => ({ id: f.exposeID('id', { description: 'The removed endpoint.' }) }),
    }),
    description: 'Removes the endpoint and its delivery log.',
    input: { id: t.input.id() },
    errors: { types: [ForbiddenError, NotFoundError] },
    resolve: (_root, { input }, ctx) => ctx.services.webhookEndpoints.remove(ctx.caller, String(input.id)),
  }),
  rotateWebhookSecret: t.fieldWithInput({
    type: withSecret('RotateWebhookSecretSuccess'),
    description: 'A new signing secret; the old one keeps signing beside it for a day.',
    input: { id: t.input.id() },
    errors: { types: [ForbiddenError, NotFoundError] },
    resolve: (_root, { input }, ctx) => ctx.services.webhookEndpoints.rotateSecret(ctx.caller, String(input.id)),
  }),
  resendWebhookDelivery: t.fieldWithInput({
    type: recordResult('ResendWebhookDeliverySuccess', 'delivery', WebhookDeliveryRef),
    description: 'Sends the delivery again now ("send again"), with the same webhook-id.',
    input: { deliveryId: t.input.id() },
    errors: { types: [ForbiddenError, NotFoundError] },
    resolve: (_root, { input }, ctx) => ctx.services.webhookEndpoints.resend(ctx.caller, String(input.deliveryId)),
  }),
}));
