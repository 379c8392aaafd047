// Schema pruning: the GraphQL schema as the REST bridge exposes it.
import {
  GraphQLInterfaceType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLUnionType,
  type GraphQLFieldConfigMap,
  type GraphQLNamedType,
  type GraphQLType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isUnionType,
} from 'graphql';
import { REST_ROUTES } from './routes.ts';

/**
 * Fields left out of REST answers. SOFA selects every field of a result, one level into each cycle:
 * these would pull the customer record, the license's reseller and shop purchase (dashboard matters) and a second
 * copy of the license into every activation answer.
 */
const OMITTED_FIELDS = new Set(['License.customer', 'License.reseller', 'License.purchase', 'Activation.license']);

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
