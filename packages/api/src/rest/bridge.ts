// The REST bridge: the plug-in operations as plain HTTP + JSON endpoints under /rest, generated from the
// GraphQL schema by SOFA (@graphql-yoga/plugin-sofa), for plug-ins that have an HTTP client but no
// GraphQL client (C# HttpClient). Same resolvers, same context (Bearer sessions), same rate limits.
// Its parts: routes.ts (which operations, where), schema.ts (the pruned schema SOFA sees),
// typenames.ts (every answer names its types), status.ts (failures as HTTP statuses), openapi.ts
// (the published document).
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { type Plugin, type YogaLogger, createYoga } from 'graphql-yoga';
import { httpError } from '../http/error-envelope.ts';
import { type Route, createRouteTable } from '../http/route-table.ts';
import { type Json, finishDocument } from './openapi.ts';
import { OPENAPI_PATH, REST_BASE, REST_ROUTES } from './routes.ts';
import { restSchema } from './schema.ts';
import { errorResponse } from './status.ts';
import { withTypenames } from './typenames.ts';

export interface RestBridge {
  /** SOFA's hooks into yoga: its schema, and the typenames added to what it executes. */
  plugin: Plugin;
  /** For the route table: each operation at its path and method, the OpenAPI document, 404 for the rest of /rest. */
  routes: Route[];
}

/**
 * Routes only the plug-in operations (SOFA alone would route every query and mutation, plus
 * subscription webhooks) and serves the OpenAPI document at OPENAPI_PATH. No Swagger UI: SOFA's
 * loads its scripts from a CDN.
 */
export function restBridge(): RestBridge {
  let schema: GraphQLSchema | null = null;
  let logger: YogaLogger | undefined;
  let document: Promise<Json> | null = null;
  const typenamed = new WeakMap<DocumentNode, DocumentNode>();
  let yogaInit: Parameters<NonNullable<Plugin['onYogaInit']>>[0] | undefined;
  let schemaChange: Parameters<NonNullable<Plugin['onSchemaChange']>>[0] | undefined;
  let sofa: Promise<Plugin> | null = null;
  // SOFA loads and builds its routes with the first /rest request: an idle server holds none of it.
  const loadSofa = () =>
    (sofa ??= import('@graphql-yoga/plugin-sofa').then(({ useSofa }) => {
      const plugin = useSofa({
        basePath: REST_BASE,
        swaggerUI: { endpoint: false as unknown as string },
        routes: Object.fromEntries(
          Object.entries(REST_ROUTES).map(([field, route]) => [`${route.type}.${field}`, { method: route.method, path: route.path }]),
        ),
        customScalars: { DateTime: { type: 'string', format: 'date-time' } },
        errorHandler: ((errors: readonly unknown[]) => errorResponse(errors, logger)) as never,
      });
      if (yogaInit) plugin.onYogaInit?.(yogaInit);
      if (schemaChange && schema) plugin.onSchemaChange?.({ ...schemaChange, schema });
      return plugin;
    }));

  const openApi: Route = {
    path: OPENAPI_PATH,
    methods: ['GET'],
    async handle(payload) {
      document ??= (async () => {
        let raw: Response | undefined;
        await (await loadSofa()).onRequest?.({ ...payload, endResponse: (response: Response) => (raw = response) } as never);
        if (!raw?.ok) throw new Error(`SOFA did not serve its OpenAPI document (${raw?.status})`);
        return finishDocument(await raw.json(), schema!);
      })();
      try {
        return Response.json(await document, { headers: { 'cache-control': 'no-cache' } });
      } catch (error) {
        document = null;
        throw error;
      }
    },
  };
  const operations: Route[] = Object.values(REST_ROUTES).map((route) => ({
    path: `${REST_BASE}${route.path}`,
    methods: [route.method],
    async handle(payload) {
      await (await loadSofa()).onRequest?.(payload);
      return undefined;
    },
  }));
  const elsewhere: Route = {
    path: REST_BASE,
    prefix: true,
    handle: ({ url }) => httpError(404, 'NOT_FOUND', `No REST operation at ${url.pathname}; see ${OPENAPI_PATH}.`),
  };

  return {
    routes: [openApi, ...operations, elsewhere],
    plugin: {
      onYogaInit(payload) {
        logger = payload.yoga.logger;
        yogaInit = payload;
      },
      onSchemaChange(payload) {
        const rest = (schema = restSchema(payload.schema));
        schemaChange = payload;
        document = null;
        void sofa?.then((plugin) => plugin.onSchemaChange?.({ ...payload, schema: rest }));
      },
      onExecute({ args, executeFn, setExecuteFn }) {
        // Only SOFA executes against the REST schema.
        if (!schema || args.schema !== schema) return;
        setExecuteFn((execArgs) => {
          let withTypes = typenamed.get(execArgs.document);
          if (!withTypes) typenamed.set(execArgs.document, (withTypes = withTypenames(execArgs.document)));
          return executeFn({ ...execArgs, document: withTypes });
        });
      },
    },
  };
}

/** The OpenAPI document as served, built without a database (for `pnpm schema:print` and tests). */
export async function openApiDocument(full: GraphQLSchema): Promise<Json> {
  const rest = restBridge();
  const yoga = createYoga({ schema: full, plugins: [rest.plugin, createRouteTable(rest.routes).plugin], logging: false });
  const response = await yoga.fetch(`http://slotkeeper.local${OPENAPI_PATH}`);
  return response.json();
}
