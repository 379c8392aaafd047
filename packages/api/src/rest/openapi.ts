// OpenAPI patching: SOFA's generated document, corrected and completed to describe the bridge.
import { type GraphQLSchema, isObjectType } from 'graphql';
import { REST_BASE, REST_ROUTES } from './routes.ts';

export type Json = Record<string, any>;

/** Makes SOFA's generated document say what the bridge does (see the comments inline). */
export function finishDocument(raw: Json, schema: GraphQLSchema): Json {
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
        ? { type: 'object', allOf: [{ $ref: property.$ref }], nullable: true }
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
