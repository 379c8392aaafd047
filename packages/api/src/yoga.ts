import type { Context } from '@slotkeeper/schema/context';
import type { Db } from '@slotkeeper/schema/services/db';
import type { Services } from '@slotkeeper/schema/services/services';
import { schema } from '@slotkeeper/schema/schema/index';
import { type Plugin, createYoga } from 'graphql-yoga';
import { type GraphQLLimits, graphqlLimitPlugins } from './graphql-limits.ts';
import { type Logger, yogaLogging } from './logger.ts';
import type { SlotPubSub } from './pubsub.ts';
import { requestBodyLimitPlugin } from './request-body-limit.ts';
import { malformedParamsPlugin, nulCharacterPlugin } from './request-params.ts';
import { maskOverload } from './overload.ts';

export interface YogaDeps {
  db: Db;
  services: Services;
  slots: SlotPubSub;
  /** Plugins that run before GraphQL (rate limits, pages). */
  plugins: Plugin[];
  /** Resolves when every part the server needs answers (database, Redis). */
  ready(): Promise<void>;
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

function bearer(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(value.trim());
  return match?.[1];
}

/** Plain HTTP routes beside GraphQL: health, readiness and the public signing keys (plain and root-signed). */
function routes(deps: YogaDeps): Plugin {
  return {
    async onRequest({ url, endResponse }) {
      switch (url.pathname) {
        case '/healthz':
          return endResponse(Response.json({ status: 'ok' }));
        case '/readyz':
          try {
            await deps.ready();
            return endResponse(Response.json({ status: 'ready' }));
          } catch (error) {
            return endResponse(Response.json({ status: 'unavailable', reason: (error as Error).message }, { status: 503 }));
          }
        case '/.well-known/jwks.json':
          return endResponse(
            Response.json(await deps.services.signer.jwks(), {
              headers: { 'cache-control': 'public, max-age=300' },
            }),
          );
        case '/.well-known/jwks.jws':
          // The same keys signed by the root key: the only form in which the SDK accepts a key it did not ship with.
          return endResponse(
            new Response(await deps.services.signer.signedJwks(), {
              headers: { 'content-type': 'application/jose', 'cache-control': 'public, max-age=300' },
            }),
          );
      }
    },
  };
}

/** Builds the GraphQL app from its collaborators; never listens (see server.ts). */
export function createSlotkeeperYoga(deps: YogaDeps) {
  return createYoga<Record<string, unknown>, Context>({
    schema,
    graphiql: deps.graphql.introspection,
    landingPage: false,
    // Only listed origins get CORS headers: any other site's page cannot read the API's answers.
    cors: (request) => {
      const origin = request.headers.get('origin');
      return origin && deps.corsOrigins.includes(origin) ? { origin, credentials: true } : false;
    },
    maskedErrors: { maskError: maskOverload },
    logging: yogaLogging(deps.logger),
    batching: deps.graphql.batchLimit > 0 ? { limit: deps.graphql.batchLimit } : false,
    maxRequestBodySize: deps.maxBodyBytes,
    plugins: [...(deps.hsts ? [hstsPlugin()] : []), requestBodyLimitPlugin(deps.maxBodyBytes, '/graphql'), ...deps.plugins, routes(deps), malformedParamsPlugin(), nulCharacterPlugin(), ...graphqlLimitPlugins(deps.graphql)],
    context: async ({ request, connectionParams }) => {
      const token =
        bearer(request?.headers.get('authorization')) ??
        bearer((connectionParams as Record<string, unknown> | undefined)?.authorization);
      return {
        db: deps.db,
        services: deps.services,
        slots: deps.slots,
        caller: !token
          ? { kind: 'anonymous' }
          : deps.services.staff.isStaffToken(token)
            ? await deps.services.staff.callerFromSessionToken(token)
            : await deps.services.accounts.callerFromSessionToken(token),
      };
    },
  });
}

export type SlotkeeperYoga = ReturnType<typeof createSlotkeeperYoga>;
