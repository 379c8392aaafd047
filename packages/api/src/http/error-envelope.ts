// The HTTP layer's one error answer, for everything refused or failed outside a GraphQL result:
// `{ errors: [{ message, extensions: { code, … } }] }` with an HTTP status. It is the shape of
// GraphQL's own errors, so a client reads a 429 from the rate limit, a 413 from the body limit and a
// REST bridge failure the same way.

export interface ErrorBody {
  message: string;
  extensions?: Record<string, unknown>;
}

export function errorEnvelope(errors: ErrorBody[], status: number, headers: Record<string, string> = {}): Response {
  return Response.json({ errors }, { status, headers });
}

/** One error with its stable `code` (and any further extensions, e.g. `retryAfterSeconds`). */
export function httpError(
  status: number,
  code: string,
  message: string,
  options: { headers?: Record<string, string>; extensions?: Record<string, unknown> } = {},
): Response {
  return errorEnvelope([{ message, extensions: { code, ...options.extensions } }], status, options.headers);
}
