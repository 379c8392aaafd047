import { ClientError, GraphQLClient } from 'graphql-request';

/** An API failure as react-admin expects it: a message to show and an HTTP-like status for checkError. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

const ERROR_SELECTION = '... on Error { code message }';
/** Add to the selection of a mutation that can answer INVALID_INPUT: its field, so the form marks that input. */
export const FIELD_ERROR = '... on InvalidInputError { field }';

const STATUS: Record<string, number> = { FORBIDDEN: 403, NOT_FOUND: 404, RATE_LIMITED: 429 };
const statusOf = (code: string | undefined) => (code ? (STATUS[code] ?? 400) : 500);

export interface Api {
  /** A query or mutation; GraphQL and transport errors become ApiErrors. */
  request<T>(document: string, variables?: Record<string, unknown>): Promise<T>;
  /**
   * A mutation whose result is a union of a success type and `Error` types: returns the success,
   * throws the error result (its message, its code) as an ApiError.
   */
  mutate<T>(field: string, inputType: string | null, input: Record<string, unknown> | null, selection: string): Promise<T>;
}

export interface ApiOptions {
  /** Absolute URL of the GraphQL endpoint. */
  url: string;
  /** The staff session token sent as `Authorization: Bearer …`, if any. */
  token: () => string | null;
  fetch?: typeof fetch;
}

export function createApi(options: ApiOptions): Api {
  const client = new GraphQLClient(options.url, {
    ...(options.fetch ? { fetch: options.fetch } : {}),
    headers: (): Record<string, string> => {
      const token = options.token();
      return token ? { authorization: `Bearer ${token}` } : {};
    },
  });

  async function request<T>(document: string, variables?: Record<string, unknown>): Promise<T> {
    try {
      return await client.request<T>(document, variables);
    } catch (error) {
      if (error instanceof ClientError) {
        const first = error.response.errors?.[0];
        const code = first?.extensions?.code as string | undefined;
        const message = first?.message ?? `The server answered ${error.response.status}.`;
        throw new ApiError(message, first ? statusOf(code) : error.response.status || 500, code, error.response);
      }
      if (error instanceof ApiError) throw error;
      throw new ApiError('The server cannot be reached. Check your connection and try again.', 0);
    }
  }

  return {
    request,
    async mutate<T>(field: string, inputType: string | null, input: Record<string, unknown> | null, selection: string) {
      const document = inputType
        ? `mutation($input: ${inputType}!) { result: ${field}(input: $input) { __typename ${ERROR_SELECTION} ${selection} } }`
        : `mutation { result: ${field} { __typename ${ERROR_SELECTION} ${selection} } }`;
      const { result } = await request<{ result: T & { __typename: string; code?: string; message?: string; field?: string } }>(
        document,
        inputType ? { input } : undefined,
      );
      if (typeof result.code === 'string') {
        const message = result.message ?? result.code;
        // react-admin's forms show `body.errors` under their inputs (an INVALID_INPUT's field).
        throw new ApiError(message, statusOf(result.code), result.code, result.field ? { errors: { [result.field]: message } } : result);
      }
      return result;
    },
  };
}
