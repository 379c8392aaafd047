// The REST bridge: the plug-in operations as plain HTTP + JSON endpoints under /rest, generated from the
// GraphQL schema by SOFA (@graphql-yoga/plugin-sofa), for plug-ins that have an HTTP client but no
// GraphQL client (C# HttpClient). Same resolvers, same context (Bearer sessions), same rate limits.
import { useSofa } from '@graphql-yoga/plugin-sofa';
import {
  type DocumentNode,
  type FieldNode,
  GraphQLError,
  GraphQLInterfaceType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLUnionType,
  type GraphQLFieldConfigMap,
  type GraphQLNamedType,
  type GraphQLType,
  Kind,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isUnionType,
  visit,
} from 'graphql';
import { ERROR_CODES } from '@slotkeeper/schema/services/errors';
import { type Plugin, type YogaLogger, createYoga } from 'graphql-yoga';

export const REST_BASE = '/rest';
export const OPENAPI_PATH = `${REST_BASE}/openapi.json`;

interface RestRoute {
  type: 'Query' | 'Mutation';
  method: 'GET' | 'POST';
  /** Below REST_BASE. Plug-ins are compiled against these: keep them stable. */
  path: string;
  /** Needs `Authorization: Bearer <sessionToken>` from logIn. */
  session?: boolean;
}

/** The plug-in operations (DESIGN.md, "Public contract"), and nothing of the admin API. */
export const REST_ROUTES: Record<string, RestRoute> = {
  activateMachine: { type: 'Mutation', method: 'POST', path: '/activate-machine' },
  deactivateMachine: { type: 'Mutation', method: 'POST', path: '/deactivate-machine' },
  renewToken: { type: 'Mutation', method: 'POST', path: '/renew-token' },
  logIn: { type: 'Mutation', method: 'POST', path: '/log-in' },
  myLicenses: { type: 'Query', method: 'GET', path: '/my-licenses', session: true },
  releaseActivation: { type: 'Mutation', method: 'POST', path: '/release-activation', session: true },
  requestPasswordReset: { type: 'Mutation', method: 'POST', path: '/request-password-reset' },
  resetPassword: { type: 'Mutation', method: 'POST', path: '/reset-password' },
  changePassword: { type: 'Mutation', method: 'POST', path: '/change-password' },
};

/**
 * Fields left out of REST answers. SOFA selects every field of a result, one level into each cycle:
 * these would pull the customer record, the license's reseller (a dashboard matter) and a second
 * copy of the license into every activation answer.
 */
const OMITTED_FIELDS = new Set(['License.customer', 'License.reseller', 'Activation.license']);

/**
 * The schema SOFA sees: only the plug-in root fields, and the types they reach without OMITTED_FIELDS.
 * Types are copied with their resolvers, so execution is the GraphQL schema's own.
 */
export function restSchema(full: GraphQLSchema): GraphQLSchema {
  const copies = new Map<string, GraphQLNamedType>();
  const keep = (typeName: string, field: string) =>
    typeName === 'Query' || typeName === 'Mutation'
      ? REST_ROUTES[field]?.type === typeName
      : !OMITTED_FIELDS.has(`${typeName}.${field}`);
  const wrapped = <T extends GraphQLType>(type: T): T => {
    if (isNonNullType(type)) return new GraphQLNonNull(wrapped(type.ofType)) as T;
    if (isListType(type)) return new GraphQLList(wrapped(type.ofType)) as T;
    return named(type as GraphQLNamedType) as T;
  };
  const fields = <F extends GraphQLFieldConfigMap<unknown, unknown>>(typeName: string, config: F) =>
    Object.fromEntries(
      Object.entries(config)
        .filter(([name]) => keep(typeName, name))
        .map(([name, field]) => [name, { ...field, type: wrapped(field.type) }]),
    ) as F;
  function named(type: GraphQLNamedType): GraphQLNamedType {
    // Inputs, enums and scalars hold no output fields: shared as they are.
    if (!isObjectType(type) && !isInterfaceType(type) && !isUnionType(type)) return type;
    const known = copies.get(type.name);
    if (known) return known;
    let copy: GraphQLNamedType;
    if (isObjectType(type)) {
      const config = type.toConfig();
      copy = new GraphQLObjectType({
        ...config,
        interfaces: () => config.interfaces.map((i) => named(i) as GraphQLInterfaceType),
        fields: () => fields(type.name, config.fields),
      });
    } else if (isInterfaceType(type)) {
      const config = type.toConfig();
      copy = new GraphQLInterfaceType({
        ...config,
        interfaces: () => config.interfaces.map((i) => named(i) as GraphQLInterfaceType),
        fields: () => fields(type.name, config.fields),
      });
    } else {
      const config = type.toConfig();
      copy = new GraphQLUnionType({ ...config, types: () => config.types.map((t) => named(t) as GraphQLObjectType) });
    }
    copies.set(type.name, copy);
    return copy;
  }
  return new GraphQLSchema({
    query: named(full.getQueryType()!) as GraphQLObjectType,
    mutation: named(full.getMutationType()!) as GraphQLObjectType,
  });
}

const TYPENAME: FieldNode = { kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } };

/** Adds `__typename` first to every selection set, so each JSON object says its type (C# clients switch on it). */
function withTypenames(document: DocumentNode): DocumentNode {
  return visit(document, {
    SelectionSet(node, _key, parent) {
      if (parent && 'kind' in parent && parent.kind === Kind.OPERATION_DEFINITION) return undefined;
      if (node.selections.some((s) => s.kind === Kind.FIELD && s.name.value === '__typename' && !s.alias)) return undefined;
      return { ...node, selections: [TYPENAME, ...node.selections] };
    },
  });
}

const DOMAIN_CODES = new Set<string | undefined>(ERROR_CODES);

interface ErrorBody {
  message: string;
  extensions?: Record<string, unknown>;
}

/**
 * Failures outside the result unions, as `{ errors: [{ message, extensions: { code } }] }` with an
 * HTTP status: malformed requests 400 (their status comes from yoga/SOFA), a missing or refused
 * session 401, NOT_FOUND 404, RATE_LIMITED 429, anything unexpected 500 (its details masked and logged).
 */
function errorResponse(errors: readonly unknown[], logger: YogaLogger | undefined): Response {
  let status = 0;
  const headers: Record<string, string> = {};
  const body: ErrorBody[] = errors.map((error) => {
    if (!(error instanceof GraphQLError)) {
      logger?.error(error);
      status = Math.max(status, 500);
      return { message: 'Unexpected error.' };
    }
    const { http, ...extensions } = error.extensions ?? {};
    const code = typeof extensions.code === 'string' ? extensions.code : undefined;
    let own = http?.status ?? 0;
    if (!own && code === 'FORBIDDEN') {
      own = 401;
      headers['www-authenticate'] = 'Bearer';
    } else if (!own && code === 'NOT_FOUND') own = 404;
    else if (!own && code === 'RATE_LIMITED') {
      own = 429;
      if (typeof extensions.retryAfterSeconds === 'number') headers['retry-after'] = String(extensions.retryAfterSeconds);
    } else if (!own && DOMAIN_CODES.has(code)) own = 400;
    // Masked by yoga (INTERNAL_SERVER_ERROR), or anything else without a status.
    else if (!own) own = 500;
    status = Math.max(status, own);
    // yoga's and SOFA's request errors carry only a status: give them a code too.
    if (!code && own === 400) extensions.code = 'BAD_REQUEST';
    return Object.keys(extensions).length > 0 ? { message: error.message, extensions } : { message: error.message };
  });
  return Response.json({ errors: body }, { status: status || 500, headers });
}

const jsonError = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
  Response.json({ errors: [{ message, extensions: { code } }] }, { status, headers });

type Json = Record<string, any>;

/** Makes SOFA's generated document say what the bridge does (see the comments inline). */
function finishDocument(raw: Json, schema: GraphQLSchema): Json {
  const doc = structuredClone(raw);
  doc.info = {
    title: 'Slotkeeper REST bridge',
    version: '1',
    description:
      'The plug-in operations of the Slotkeeper GraphQL API as JSON over HTTP. Mutations are POST with the GraphQL ' +
      'arguments as the JSON body ({"input": {…}}); their answer is 200 with one member of the result union, named by ' +
      '`__typename`: the success type, or an error type with a stable `code` and a `message`. Malformed requests, a ' +
      'missing session and rate limits answer 4xx with {"errors": [{"message", "extensions": {"code"}}]}.',
  };
  doc.servers = [{ url: REST_BASE }];
  const schemas: Json = doc.components.schemas;
  // SOFA describes the root types as if they were data; they are not.
  delete schemas.Query;
  delete schemas.Mutation;
  for (const [name, component] of Object.entries<Json>(schemas)) {
    const type = schema.getType(name);
    if (!isObjectType(type) || component.type !== 'object') continue;
    const properties: Json = component.properties;
    const required = new Set<string>(component.required ?? []);
    for (const [field, property] of Object.entries<Json>(properties)) {
      if (required.has(field)) continue;
      // GraphQL answers null for these (OpenAPI 3.0 cannot put `nullable` beside a $ref).
      // A nullable enum must list null among its values too, or validators refuse the null (OpenAPI 3.0.3).
      properties[field] = property.$ref
        ? { allOf: [{ $ref: property.$ref }], nullable: true }
        : { ...property, nullable: true, ...(Array.isArray(property.enum) ? { enum: [...property.enum, null] } : {}) };
    }
    component.properties = { __typename: { type: 'string', enum: [name] }, ...properties };
    component.required = ['__typename', ...required];
  }
  schemas.RequestErrors = {
    type: 'object',
    description: 'A request that was not executed (malformed, unauthenticated, rate-limited) or failed unexpectedly.',
    required: ['errors'],
    properties: {
      errors: {
        type: 'array',
        items: {
          type: 'object',
          required: ['message'],
          properties: {
            message: { type: 'string' },
            extensions: {
              type: 'object',
              properties: { code: { type: 'string' }, retryAfterSeconds: { type: 'integer' } },
            },
          },
        },
      },
    },
  };
  doc.components.securitySchemes = {
    session: { type: 'http', scheme: 'bearer', description: 'The sessionToken of POST /log-in.' },
  };
  const failure = (description: string) => ({
    description,
    content: { 'application/json': { schema: { $ref: '#/components/schemas/RequestErrors' } } },
  });
  for (const [field, route] of Object.entries(REST_ROUTES)) {
    const operation: Json | undefined = doc.paths[route.path]?.[route.method.toLowerCase()];
    if (!operation) continue;
    operation.operationId = field;
    operation.summary = field;
    // SOFA passes the GraphQL description on for mutations only.
    operation.description ||= (route.type === 'Query' ? schema.getQueryType() : schema.getMutationType())?.getFields()[field]?.description;
    operation.tags = ['plug-in'];
    // SOFA also lists POST variables as query parameters; the body is the documented way.
    if (route.method === 'POST') delete operation.parameters;
    // Public operations say so (an empty requirement), rather than leaving security unstated.
    operation.security = route.session ? [{ session: [] }] : [];
    const answer = operation.responses?.['200']?.content?.['application/json']?.schema;
    if (answer?.oneOf) {
      answer.discriminator = {
        propertyName: '__typename',
        mapping: Object.fromEntries(answer.oneOf.map((member: Json) => [member.$ref.split('/').pop(), member.$ref])),
      };
    }
    operation.responses['200'].description = answer?.oneOf
      ? 'The outcome: the success type or an error type (see `__typename` and `code`).'
      : 'The answer.';
    if (route.method === 'POST') operation.responses['400'] = failure('Malformed JSON, or the input is missing or has the wrong shape.');
    if (route.type === 'Query' && route.session) operation.responses['401'] = failure('No valid customer session (code FORBIDDEN).');
    if (route.method === 'POST') operation.responses['413'] = failure('A body over MAX_BODY_BYTES (code PAYLOAD_TOO_LARGE).');
    operation.responses['405'] = failure(`Any method but ${route.method} (code METHOD_NOT_ALLOWED); see Allow.`);
    operation.responses['429'] = failure('Too many requests from this address (code RATE_LIMITED); see Retry-After.');
  }
  // Enums SOFA lists beside the types but that every property inlines: nothing refers to them.
  const text = JSON.stringify(doc);
  for (const name of Object.keys(schemas)) if (!text.includes(`"#/components/schemas/${name}"`) && schemas[name].enum) delete schemas[name];
  const { openapi, info, servers, paths, components, ...rest } = doc;
  return { openapi, info, servers, paths, components, ...rest };
}

/**
 * The yoga plugin. It routes only the plug-in operations (SOFA alone would route every query and
 * mutation, plus subscription webhooks), answers 405 for a known path with another method, and serves
 * the OpenAPI document at OPENAPI_PATH. No Swagger UI: SOFA's loads its scripts from a CDN.
 */
export function restPlugin(): Plugin {
  let schema: GraphQLSchema | null = null;
  let logger: YogaLogger | undefined;
  let document: Promise<Json> | null = null;
  const typenamed = new WeakMap<DocumentNode, DocumentNode>();
  const sofa = useSofa({
    basePath: REST_BASE,
    swaggerUI: { endpoint: false as unknown as string },
    routes: Object.fromEntries(
      Object.entries(REST_ROUTES).map(([field, route]) => [`${route.type}.${field}`, { method: route.method, path: route.path }]),
    ),
    customScalars: { DateTime: { type: 'string', format: 'date-time' } },
    errorHandler: ((errors: readonly unknown[]) => errorResponse(errors, logger)) as never,
  });
  const byPath = new Map(Object.entries(REST_ROUTES).map(([, route]) => [`${REST_BASE}${route.path}`, route]));

  return {
    onYogaInit(payload) {
      logger = payload.yoga.logger;
      sofa.onYogaInit?.(payload);
    },
    onSchemaChange(payload) {
      schema = restSchema(payload.schema);
      document = null;
      sofa.onSchemaChange?.({ ...payload, schema });
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
    onRequest(payload) {
      const { url, request, endResponse } = payload;
      if (url.pathname !== REST_BASE && !url.pathname.startsWith(`${REST_BASE}/`)) return;
      if (url.pathname === OPENAPI_PATH) {
        if (request.method !== 'GET') return endResponse(jsonError(405, 'METHOD_NOT_ALLOWED', 'Use GET.', { allow: 'GET' }));
        document ??= (async () => {
          let raw: Response | undefined;
          await sofa.onRequest?.({ ...payload, endResponse: (response: Response) => (raw = response) } as never);
          if (!raw?.ok) throw new Error(`SOFA did not serve its OpenAPI document (${raw?.status})`);
          return finishDocument(await raw.json(), schema!);
        })();
        return document.then(
          (doc) => endResponse(Response.json(doc, { headers: { 'cache-control': 'no-cache' } })),
          (error) => {
            document = null;
            throw error;
          },
        );
      }
      const route = byPath.get(url.pathname);
      if (!route) return endResponse(jsonError(404, 'NOT_FOUND', `No REST operation at ${url.pathname}; see ${OPENAPI_PATH}.`));
      // Preflight requests belong to yoga's CORS handling.
      if (request.method === 'OPTIONS') return;
      if (request.method !== route.method) {
        return endResponse(jsonError(405, 'METHOD_NOT_ALLOWED', `Use ${route.method} for ${url.pathname}.`, { allow: route.method }));
      }
      return sofa.onRequest?.(payload);
    },
  };
}

/** The OpenAPI document as served, built without a database (for `pnpm schema:print` and tests). */
export async function openApiDocument(full: GraphQLSchema): Promise<Json> {
  const yoga = createYoga({ schema: full, plugins: [restPlugin()], logging: false });
  const response = await yoga.fetch(`http://slotkeeper.local${OPENAPI_PATH}`);
  return response.json();
}
