import { timingSafeEqual } from 'node:crypto';
import { type FillLabelsFnParams, createCounter, createHistogram, usePrometheus } from '@graphql-yoga/plugin-prometheus';
import { type DocumentNode, Kind, type OperationDefinitionNode, type OperationTypeNode } from 'graphql';
import { schema } from '@slotkeeper/schema/schema/index';
import type { Db } from '@slotkeeper/schema/services/db';
import { DomainError } from '@slotkeeper/schema/services/errors';
import type { HealedBy } from '@slotkeeper/schema/services/activation';
import type { Services } from '@slotkeeper/schema/services/services';
import type { Plugin } from 'graphql-yoga';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { bearerToken } from './http/bearer.ts';
import type { Route } from './http/route-table.ts';
import type { LiveSubscriptions } from './live-subscriptions.ts';

export type RateLimitName = 'failed_logins' | 'password_resets' | 'per_address' | 'password_checks_per_address' | 'trials_per_address';

export interface Metrics {
  registry: Registry;
  /** The yoga plugins that measure GraphQL requests. */
  plugins: Plugin[];
  /** GET /metrics, for the route table. */
  route: Route;
  /** The services, with activation outcomes counted. */
  observe(services: Services): Services;
  rateLimitHit(limit: RateLimitName): void;
  mailSendFailed(): void;
  /** Slots this instance released because their lease lapsed. */
  slotsHealed(count: number, by: HealedBy): void;
}

const OPERATION_LABELS = ['operation', 'operationType'];

/**
 * The `operation` label is the root field the operation selects (`activateMachine`, `myLicenses`),
 * checked against the schema: operation names are chosen by clients, and a label taken from them
 * would let any client create metric series without bound. `multiple` when a document selects
 * several root fields, `unknown` for anything the schema doesn't have.
 */
export function operationLabel(document: DocumentNode | undefined, operationName?: string): { operation: string; operationType: string } {
  const operations = (document?.definitions ?? []).filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  // The plugin passes 'Anonymous' for an unnamed operation: fall back to the document's only one.
  const operation = operations.find((o) => o.name?.value === operationName) ?? (operations.length === 1 ? operations[0] : undefined);
  if (!operation) return { operation: 'unknown', operationType: 'unknown' };
  const fields = new Set(operation.selectionSet.selections.map((s) => (s.kind === Kind.FIELD ? s.name.value : '')));
  return { operation: rootFieldLabel(operation.operation, fields), operationType: operation.operation };
}

function rootFieldLabel(type: OperationTypeNode, fields: Set<string>): string {
  if (fields.size > 1) return 'multiple';
  const [only] = fields;
  if (!only) return 'unknown';
  if (only.startsWith('__')) return 'introspection';
  return schema.getRootType(type)?.getFields()[only] ? only : 'unknown';
}

const operationLabels = (params: FillLabelsFnParams) => operationLabel(params.document, params.operationName);

const OUTBOX_STATUSES = ['PENDING', 'SENDING', 'HELD', 'FAILED'] as const;

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * /metrics access: with METRICS_TOKEN only `Authorization: Bearer <token>`; without it the endpoint is
 * open in development and absent (404, as if unknown) in production, so a forgotten token never
 * publishes seat counts and traffic to the internet.
 */
function metricsRoute(registry: Registry, access: { token: string | null; production: boolean }): Route {
  return {
    path: '/metrics',
    unlimited: true,
    quiet: true,
    async handle({ request }) {
      if (!access.token) {
        if (access.production) return new Response('Not found', { status: 404 });
      } else {
        const given = bearerToken(request.headers.get('authorization'));
        if (!given || !sameSecret(given, access.token)) {
          return new Response('Unauthorized', { status: 401, headers: { 'www-authenticate': 'Bearer realm="metrics"' } });
        }
      }
      return new Response(await registry.metrics(), { headers: { 'content-type': registry.contentType } });
    },
  };
}

/**
 * One registry per app (not prom-client's global one), so several apps in one process keep their own
 * figures. Seat and outbox gauges are read from the database at scrape time: they are shared by every
 * api instance, and a scrape costs two grouped counts.
 */
export function createMetrics(deps: {
  db: Db;
  subscriptions: LiveSubscriptions;
  metricsToken: string | null;
  production: boolean;
}): Metrics {
  const { db, subscriptions } = deps;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const counter = <L extends string = never>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Counter<L>({ name, help, labelNames, registers: [registry] });
  const activations = counter(
    'slotkeeper_activations_total',
    'activateMachine outcomes: result="ok", or the error code of a denial (NO_FREE_SLOT, INVALID_CREDENTIALS, …; INTERNAL for an unexpected failure)',
    ['result'],
  );
  const rateLimitHits = counter('slotkeeper_rate_limit_hits_total', 'Requests refused by a rate limit, by limit', ['limit']);
  const healed = counter(
    'slotkeeper_slots_healed_total',
    'Slots released because their newest token expired unrenewed (LEASE_EXPIRED), by who released them: activation (reclaimed to seat another machine) or sweeper',
    ['by'],
  );
  const overageActivations = counter(
    'slotkeeper_overage_activations_total',
    "Slots taken beyond a license's seats (within the product's overage), by activation or revival",
  );
  const denials = counter(
    'slotkeeper_slot_denials_total',
    'Machines refused a seat (NO_FREE_SLOT), by the operation that asked: activateMachine or renewToken (a revival)',
    ['operation'],
  );
  const mailFailures = counter(
    'slotkeeper_mail_send_failures_total',
    'Failed SMTP delivery attempts (retried with backoff until MAIL_MAX_ATTEMPTS, then FAILED)',
  );
  /**
   * A gauge per product of its live slots, read from the database at scrape time; `overageOnly`:
   * only the slots beyond their license's seats. Every product has a value (0 when none).
   */
  const liveSlotsPerProduct = (name: string, help: string, overageOnly: boolean) =>
    new Gauge({
      name,
      help,
      labelNames: ['product'],
      registers: [registry],
      async collect() {
        const counts = await db.$queryRaw<{ code: string; n: number }[]>`
          SELECT p."code", count(a."id")::int AS "n"
          FROM "Product" p
          LEFT JOIN "License" l ON l."productId" = p."id"
          LEFT JOIN "Activation" a ON a."licenseId" = l."id" AND a."releasedAt" IS NULL AND (a."overage" OR NOT ${overageOnly})
          GROUP BY p."code"`;
        this.reset();
        for (const row of counts) this.set({ product: row.code }, row.n);
      },
    });
  liveSlotsPerProduct('slotkeeper_seats_in_use', 'Live activations (seats taken) per product, across all api instances', false);
  liveSlotsPerProduct(
    'slotkeeper_overage_slots',
    "Live slots beyond their license's seats (the product's overage) per product, across all api instances",
    true,
  );
  new Gauge({
    name: 'slotkeeper_outbox_messages',
    help: 'Mail outbox messages not sent yet, by status (FAILED: gave up; HELD: no SMTP_URL)',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const rows = await db.$queryRaw<{ status: string; n: number }[]>`
        SELECT "status", count(*)::int AS "n" FROM "MailMessage"
        WHERE "status" IN ('PENDING', 'SENDING', 'HELD', 'FAILED')
        GROUP BY "status"`;
      for (const status of OUTBOX_STATUSES) this.set({ status }, rows.find((r) => r.status === status)?.n ?? 0);
    },
  });
  new Gauge({
    name: 'slotkeeper_subscriptions',
    help: 'Live GraphQL subscriptions on this instance, by transport',
    labelNames: ['transport'],
    registers: [registry],
    collect() {
      this.set({ transport: 'sse' }, subscriptions.count('sse'));
      this.set({ transport: 'ws' }, subscriptions.count('ws'));
    },
  });

  return {
    registry,
    route: metricsRoute(registry, { token: deps.metricsToken, production: deps.production }),
    plugins: [
      usePrometheus({
        registry,
        endpoint: false,
        metrics: {
          // Labelled by operation (below), never by the URL, which holds a GET request's variables.
          graphql_envelop_request: createCounter({
            registry,
            counter: { name: 'graphql_envelop_request', help: 'GraphQL operations executed', labelNames: OPERATION_LABELS },
            fillLabelsFn: operationLabels,
          }),
          graphql_envelop_request_duration: createHistogram({
            registry,
            histogram: { name: 'graphql_envelop_request_duration', help: 'Time to execute a GraphQL operation (seconds)', labelNames: OPERATION_LABELS },
            fillLabelsFn: operationLabels,
          }),
          graphql_envelop_error_result: createCounter({
            registry,
            counter: { name: 'graphql_envelop_error_result', help: 'GraphQL operations answered with errors, by phase', labelNames: [...OPERATION_LABELS, 'phase'] },
            fillLabelsFn: (params) => ({ ...operationLabels(params), phase: params.errorPhase ?? 'unknown' }),
          }),
          graphql_yoga_http_duration: createHistogram({
            registry,
            histogram: {
              name: 'graphql_yoga_http_duration',
              help: 'Time from request to response (seconds)',
              labelNames: [...OPERATION_LABELS, 'method', 'statusCode'],
            },
            fillLabelsFn: (params, { request, response }) => ({
              ...operationLabels(params),
              method: request.method,
              statusCode: response.status,
            }),
          }),
          graphql_envelop_request_time_summary: false,
          graphql_envelop_phase_parse: false,
          graphql_envelop_phase_validate: false,
          graphql_envelop_phase_context: false,
          graphql_envelop_phase_execute: false,
          graphql_envelop_phase_subscribe: false,
          graphql_envelop_deprecated_field: false,
          graphql_envelop_schema_change: false,
        },
      }),
    ],
    observe(services) {
      const inner = services.activations;
      const seated = <R extends { activation: { overage: boolean } }>(result: R): R => {
        if (result.activation.overage) overageActivations.inc();
        return result;
      };
      const denied = (operation: string) => (error: unknown) => {
        if (error instanceof DomainError && error.code === 'NO_FREE_SLOT') denials.inc({ operation });
        throw error;
      };
      return {
        ...services,
        activations: {
          ...inner,
          async activate(input) {
            try {
              const result = seated(await inner.activate(input).catch(denied('activateMachine')));
              activations.inc({ result: 'ok' });
              return result;
            } catch (error) {
              activations.inc({ result: error instanceof DomainError ? error.code : 'INTERNAL' });
              throw error;
            }
          },
          renew: async (token, borrowSeconds) => seated(await inner.renew(token, borrowSeconds).catch(denied('renewToken'))),
        },
      };
    },
    rateLimitHit: (limit) => rateLimitHits.inc({ limit }),
    mailSendFailed: () => mailFailures.inc(),
    slotsHealed: (count, by) => healed.inc({ by }, count),
  };
}
