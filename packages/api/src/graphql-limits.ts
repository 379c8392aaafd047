// Limits on what one GraphQL request may ask for, checked while parsing and validating — before any
// resolver runs. Each refusal is a GraphQL error with code QUERY_LIMIT_EXCEEDED, the limit's name
// in `extensions.limit` and its value in `extensions.max`, so a client developer sees what to change.
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError, NoSchemaIntrospectionCustomRule, type ValidationContext } from 'graphql';
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

type Limit = 'depth' | 'cost' | 'aliases' | 'tokens' | 'directives';

function refusal(limit: Limit, max: number, armorError: GraphQLError): GraphQLError {
  // GraphQL Armor words every refusal as a syntax error; the rest of its message names the limit and
  // what the request had.
  return new GraphQLError(armorError.message.replace(/^Syntax Error: /, ''), {
    extensions: { code: QUERY_LIMIT_EXCEEDED, limit, max },
  });
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
      // Fragments add no resolver work, so they add no depth or cost. The cost multiplies by a literal
      // `first`/`last` only; a page size in a variable is bounded by the connections' own maximum (500).
      costLimit: { maxCost: limits.maxCost, flattenFragments: true, ...reported('cost', limits.maxCost) },
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
