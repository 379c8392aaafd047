// A server short of database capacity answers with a code a client can act on (wait and retry),
// not with the masked "Unexpected error." that says nothing.
import { GraphQLError } from 'graphql';
import { type MaskError, maskError } from 'graphql-yoga';
import { PasswordQueueFullError } from '@slotkeeper/schema/services/password';

/** Seconds a client is asked to wait before it retries. */
export const BUSY_RETRY_SECONDS = 5;

/**
 * Prisma's transaction manager errors (P2028): a transaction that could not start within its wait
 * (every connection busy, or the embedded database's single lock held) or that outlived its timeout
 * (rolled back, so nothing of it was kept); and a full password-check queue (bcrypt is the slowest
 * work a request can ask for).
 */
function isCapacityError(error: unknown): boolean {
  for (let cause = error, depth = 0; cause && typeof cause === 'object' && depth < 5; depth++) {
    if ((cause as { code?: unknown }).code === 'P2028' || cause instanceof PasswordQueueFullError) return true;
    cause = (cause as { originalError?: unknown; cause?: unknown }).originalError ?? (cause as { cause?: unknown }).cause;
  }
  return false;
}

export function busyError(): GraphQLError {
  return new GraphQLError('The license server is busy. Nothing was changed; try again in a few seconds.', {
    extensions: {
      code: 'SERVICE_UNAVAILABLE',
      retryAfterSeconds: BUSY_RETRY_SECONDS,
      http: { status: 503, headers: { 'retry-after': String(BUSY_RETRY_SECONDS) } },
    },
  });
}

/** yoga's masking, except that capacity errors become SERVICE_UNAVAILABLE (HTTP 503, Retry-After). */
export const maskOverload: MaskError = (error, message, isDev) =>
  isCapacityError(error) ? busyError() : maskError(error, message, isDev);
