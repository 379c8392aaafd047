// Status mapping: the REST bridge's failures outside the result unions, as HTTP statuses.
import { ERROR_CODES } from '@slotkeeper/schema/services/errors';
import { GraphQLError } from 'graphql';
import type { YogaLogger } from 'graphql-yoga';
import { type ErrorBody, errorEnvelope } from '../http/error-envelope.ts';

const DOMAIN_CODES = new Set<string | undefined>(ERROR_CODES);

/**
 * Failures outside the result unions, as `{ errors: [{ message, extensions: { code } }] }` with an
 * HTTP status: malformed requests 400 (their status comes from yoga/SOFA), a missing or refused
 * session 401, NOT_FOUND 404, RATE_LIMITED 429, anything unexpected 500 (its details masked and logged).
 */
export function errorResponse(errors: readonly unknown[], logger: YogaLogger | undefined): Response {
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
  return errorEnvelope(body, status || 500, headers);
}
