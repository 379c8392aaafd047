// The one error type of the SDK's online calls. A plug-in switches on `code`; `message` is written for
// the end user and says what to do.
import { ErrorCode } from './generated/enums.ts';

/**
 * Codes the server answers with: the `ErrorCode` enum of the public GraphQL contract, generated from
 * the SDL (codegen.ts), so a code the server adds is a code here, not SERVER_ERROR.
 */
export type ServerErrorCode = ErrorCode;

export const SERVER_ERROR_CODES: readonly ServerErrorCode[] = Object.values(ErrorCode);

/** The request never got a GraphQL answer: which hop failed. */
export type NetworkErrorCode =
  /** The proxy answered 407: no login given, or it refused the one given. */
  | 'PROXY_AUTH_REFUSED'
  /** No connection to the proxy itself (wrong address or port, proxy down). */
  | 'PROXY_UNREACHABLE'
  /** The proxy answered 403: its policy does not allow the server's address. */
  | 'PROXY_REFUSED'
  /** No connection to the server (directly, or the proxy could not reach it), or no answer in time. */
  | 'SERVER_UNREACHABLE'
  /** The server answered, but not with a GraphQL result (HTTP error page, masked internal error). */
  | 'SERVER_ERROR';

/** Refusals by the SDK itself, before any request. */
export type LocalErrorCode =
  /** The call needs the stored activation and there is none. */
  | 'NOT_ACTIVATED'
  /** The license manager needs a login first. */
  | 'LOGIN_REQUIRED';

export type ClientErrorCode = ServerErrorCode | NetworkErrorCode | LocalErrorCode;

export const NETWORK_ERROR_CODES: readonly NetworkErrorCode[] = [
  'PROXY_AUTH_REFUSED',
  'PROXY_UNREACHABLE',
  'PROXY_REFUSED',
  'SERVER_UNREACHABLE',
  'SERVER_ERROR',
];

export class SlotkeeperError extends Error {
  override readonly name = 'SlotkeeperError';

  constructor(
    readonly code: ClientErrorCode,
    message: string,
    /** The error type's extra fields, e.g. `seats`/`used` of NO_FREE_SLOT, `retryAfterSeconds` of RATE_LIMITED. */
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** True when the request did not reach a GraphQL answer: retrying later or fixing the network may help. */
  get isNetworkError(): boolean {
    return (NETWORK_ERROR_CODES as readonly string[]).includes(this.code);
  }
}
