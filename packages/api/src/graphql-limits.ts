// Limits on what one GraphQL request may ask for, checked while parsing and validating (the cost: just
// before execution, once the variables are known) — before any resolver runs. Each refusal is a GraphQL error with code QUERY_LIMIT_EXCEEDED, the limit's name
// in `extensions.limit` and its value in `extensions.max`, so a client developer sees what to change.
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import {
  type DocumentNode,
  type ExecutionArgs,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  GraphQLError,
  Kind,
  NoSchemaIntrospectionCustomRule,
  type SelectionSetNode,
  type ValidationContext,
  type ValueNode,
  getNamedType,
  getNullableType,
  isInterfaceType,
  isListType,
  isObjectType,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';

export interface GraphQLLimits {
  maxDepth: number;
  maxCost: number;
  maxAliases: number;
  maxTokens: number;
  maxDirectives: number;
  /** Operations in one batched request (a JSON array); 0 = batching off. */
  batchLimit: number;
  /** Schema introspection, field suggestions in errors, and GraphiQL. */
  introspection: boolean;
}

export const QUERY_LIMIT_EXCEEDED = 'QUERY_LIMIT_EXCEEDED';

/** The largest `first`/`last` a connection serves (packages/schema/src/schema/connection.ts). */
export const MAX_PAGE_SIZE = 500;
/** The page a connection serves without `first`/`last` (Pothos' default). */
const DEFAULT_PAGE_SIZE = 20;
/**
 * What a list without paging (`myLicenses`, `customer.licenses`, `license.activations`) is counted as:
 * a customer's licenses or a license's activations rarely pass this, and nested lists multiply.
 */
export const UNPAGED_LIST_SIZE = 20;

type Limit = 'depth' | 'cost' | 'aliases' | 'tokens' | 'directives' | 'pageSize';

function limitError(message: string, limit: Limit, max: number): GraphQLError {
  return new GraphQLError(message, { extensions: { code: QUERY_LIMIT_EXCEEDED, limit, max } });
}

function refusal(limit: Limit, max: number, armorError: GraphQLError): GraphQLError {
  // GraphQL Armor words every refusal as a syntax error; the rest of its message names the limit and
  // what the request had.
  return limitError(armorError.message.replace(/^Syntax Error: /, ''), limit, max);
}

/** The page size an argument asks for, with variables' values (validation has checked the types). */
function pageSize(value: ValueNode | undefined, variables: Record<string, unknown>): number | undefined {
  if (!value) return undefined;
  if (value.kind === Kind.INT) return Number(value.value);
  if (value.kind === Kind.VARIABLE) {
    const given = variables[value.name.value];
    return typeof given === 'number' ? given : undefined;
  }
  return undefined;
}

/**
 * The work an operation may cause: each field costs 1 plus what it selects, times the items it can
 * return — `first`/`last` (or the default page) for a connection, UNPAGED_LIST_SIZE for a plain list,
 * 1 for the edges of a page already counted. Fragments add no work of their own; introspection
 * fields are bounded by the schema and cost nothing. A page over MAX_PAGE_SIZE is refused.
 */
export function operationCost(args: Pick<ExecutionArgs, 'schema' | 'document' | 'operationName' | 'variableValues'>): number | GraphQLError {
  const { schema, document } = args;
  const variables = (args.variableValues ?? {}) as Record<string, unknown>;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const operation = operationOf(document, args.operationName);
  if (!operation) return 0;
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;

  const cost = (set: SelectionSetNode, type: GraphQLNamedType | undefined): number => {
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        total += cost(selection.selectionSet, selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type);
      } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        if (fragment) total += cost(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value));
      } else {
        if (selection.name.value.startsWith('__') || !(isObjectType(type) || isInterfaceType(type))) continue;
        const field = type.getFields()[selection.name.value];
        if (!field) continue;
        let items = 1;
        const paged = field.args.some((a) => a.name === 'first' || a.name === 'last');
        if (paged) {
          const asked = ['first', 'last'].map((name) =>
            pageSize(selection.arguments?.find((a) => a.name.value === name)?.value, variables),
          );
          const size = Math.max(...asked.map((n) => n ?? 0));
          if (size > MAX_PAGE_SIZE) throw limitError(`Page size limit of ${MAX_PAGE_SIZE} exceeded, found ${size}.`, 'pageSize', MAX_PAGE_SIZE);
          items = asked.some((n) => n !== undefined) ? size : DEFAULT_PAGE_SIZE;
        } else if (isListType(getNullableType(field.type)) && selection.selectionSet && !type.name.endsWith('Connection')) {
          // A list of objects may fan out; a list of scalars (entitlement codes) is one column of its row.
          items = UNPAGED_LIST_SIZE;
        }
        total += items * (1 + (selection.selectionSet ? cost(selection.selectionSet, getNamedType(field.type)) : 0));
      }
    }
    return total;
  };
  try {
    return cost(operation.selectionSet, root);
  } catch (error) {
    if (error instanceof GraphQLError) return error;
    throw error;
  }
}

function operationOf(document: DocumentNode, name: string | null | undefined) {
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION && (!name || definition.name?.value === name)) return definition;
  }
  return undefined;
}

/**
 * Refuses an operation whose cost is over `maxCost`. It runs just before execution rather than as a
 * validation rule: validation results are cached per document, and the cost depends on the variables.
 */
function costLimitPlugin(maxCost: number): Plugin {
  const check = (args: ExecutionArgs, stop: (result: { errors: GraphQLError[] }) => void) => {
    const cost = operationCost(args);
    if (cost instanceof GraphQLError) return stop({ errors: [cost] });
    if (cost > maxCost) stop({ errors: [limitError(`Query cost limit of ${maxCost} exceeded, found ${cost}.`, 'cost', maxCost)] });
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      check(args, setResultAndStopExecution);
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      check(args, setResultAndStopExecution);
    },
  };
}

/**
 * Reports the refusal as a validation error rather than throwing it: graphql-js lets a throw escape
 * `validate()`, which the WebSocket server (server.ts) would turn into a closed connection.
 */
function reported(limit: Limit, max: number) {
  return {
    propagateOnRejection: false,
    onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(refusal(limit, max, error))],
  };
}

/** The envelop plugins that enforce the limits; they apply to HTTP, SSE and WebSocket operations alike. */
export function graphqlLimitPlugins(limits: GraphQLLimits): Plugin[] {
  const plugins: Plugin[] = [
    EnvelopArmorPlugin({
      maxDepth: { n: limits.maxDepth, flattenFragments: true, ...reported('depth', limits.maxDepth) },
      // Fragments add no resolver work, so they add no depth. The cost is costLimitPlugin's.
      costLimit: { enabled: false },
      maxAliases: { n: limits.maxAliases, ...reported('aliases', limits.maxAliases) },
      maxDirectives: { n: limits.maxDirectives, ...reported('directives', limits.maxDirectives) },
      maxTokens: {
        n: limits.maxTokens,
        // Counted while parsing, where there is no validation context to report to: throwing is the
        // parser's own way to refuse a document.
        propagateOnRejection: false,
        onReject: [
          (_context, error) => {
            throw refusal('tokens', limits.maxTokens, error);
          },
        ],
      },
      // Without introspection, "Did you mean …" in validation errors would give the schema away.
      blockFieldSuggestion: { enabled: !limits.introspection },
    }),
    costLimitPlugin(limits.maxCost),
  ];
  if (!limits.introspection) {
    plugins.push({
      onValidate({ addValidationRule }) {
        addValidationRule(NoSchemaIntrospectionCustomRule);
      },
    });
  }
  return plugins;
}
