import type { Context } from '@slotkeeper/schema/context';
import type { Db } from '@slotkeeper/schema/services/db';
import type { Services } from '@slotkeeper/schema/services/services';
import { schema } from '@slotkeeper/schema/schema/index';
import { type Plugin, createYoga } from 'graphql-yoga';
import { type GraphQLLimits, graphqlLimitPlugins } from './graphql-limits.ts';
import { type Logger, yogaLogging } from './logger.ts';
import { bearerToken } from './http/bearer.ts';
import type { RouteTable } from './http/route-table.ts';
import type { SlotPubSub } from './pubsub.ts';
import { requestBodyLimitPlugin } from './request-body-limit.ts';
import { malformedParamsPlugin, nulCharacterPlugin } from './request-params.ts';
import { maskOverload } from './overload.ts';

export interface YogaDeps {
  db: Db;
  services: Services;
  slots: SlotPubSub;
  /** The HTTP routes beside GraphQL (routes.ts). */
  routes: RouteTable;
  /** Around every request, before anything answers: request ids and access lines, metrics. */
  observers: Plugin[];
  /** Before any route or operation runs: the per-address rate limit. */
  admission: Plugin[];
  /** Around GraphQL operations (the REST bridge's, subscription caps and tracking, the password-check limit). */
  operations: Plugin[];
  /** What one GraphQL request may ask for; GraphiQL is served only with introspection on. */
  graphql: GraphQLLimits;
  maxBodyBytes: number;
  /** Where yoga logs the unexpected errors it masks. */
  logger: Logger;
  /** Origins a browser may call from (the dashboard's own and CORS_ORIGINS); plug-ins need no CORS. */
  corsOrigins: string[];
  /** PUBLIC_URL is https: browsers are told to come back over https only (HSTS). */
  hsts: boolean;
}

/** Strict-Transport-Security on every answer of a server published over https. */
function hstsPlugin(): Plugin {
  return {
    onResponse({ response }) {
      response.headers.set('strict-transport-security', 'max-age=31536000; includeSubDomains');
    },
  };
}

/** Builds the GraphQL app from its collaborators; never listens (see server.ts). */
export function createSlotkeeperYoga(deps: YogaDeps) {
  return createYoga<Record<string, unknown>, Context>({
    schema,
    graphiql: deps.graphql.introspection ? { title: 'Slotkeeper GraphiQL' } : false,
    // The page carries GraphiQL's code and styles itself (from the installed package): yoga's default
    // loads them from a CDN, and stays at "Loading…" wherever that is out of reach. Loaded on the first
    // page asked for: its ≈ 30 MB of strings are no part of an idle server.
    renderGraphiQL: async (options) => (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(options),
    landingPage: false,
    // Only listed origins get CORS headers: any other site's page cannot read the API's answers.
    cors: (request) => {
      const origin = request.headers.get('origin');
      return origin && deps.corsOrigins.includes(origin) ? { origin, credentials: true } : false;
    },
    maskedErrors: { maskError: maskOverload },
    logging: yogaLogging(deps.logger),
    batching: deps.graphql.batchLimit > 0 ? { limit: deps.graphql.batchLimit } : false,
    // Bodies are bounded by requestBodyLimitPlugin on every path, /graphql included: yoga's own limit
    // pipes every body through a web TransformStream, even one whose declared length is within the
    // limit (Node never hands on more than that), ≈ 4 % of a renewal's CPU in the P2 profile.
    maxRequestBodySize: false,
    // The order is the order in which they see a request.
    plugins: [
      ...(deps.hsts ? [hstsPlugin()] : []),
      requestBodyLimitPlugin(deps.maxBodyBytes),
      // Every answer after this point (a 429 too) gets its request id and access line, and is measured.
      ...deps.observers,
      ...deps.admission,
      deps.routes.plugin,
      ...deps.operations,
      malformedParamsPlugin(),
      nulCharacterPlugin(),
      ...graphqlLimitPlugins(deps.graphql),
    ],
    context: async ({ request, connectionParams }) => {
      const token =
        bearerToken(request?.headers.get('authorization')) ??
        bearerToken((connectionParams as Record<string, unknown> | undefined)?.authorization);
      return {
        db: deps.db,
        services: deps.services,
        slots: deps.slots,
        caller: !token
          ? { kind: 'anonymous' }
          : deps.services.staff.isStaffToken(token)
            ? await deps.services.staff.callerFromSessionToken(token)
            : deps.services.apiTokens.isToken(token)
              ? await deps.services.apiTokens.callerFromToken(token)
              : await deps.services.accounts.callerFromSessionToken(token),
      };
    },
  });
}

export type SlotkeeperYoga = ReturnType<typeof createSlotkeeperYoga>;
