import { GraphQLError } from 'graphql';
import type { DomainError } from './services/errors.ts';

/**
 * An expected failure where no result union can carry it (authorization of queries and
 * subscriptions): a GraphQL error with the stable code, shown to the client, not logged as a fault.
 */
export function clientError(error: DomainError): GraphQLError {
  return new GraphQLError(error.message, { extensions: { code: error.code } });
}
