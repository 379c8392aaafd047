// Request parameters that would otherwise fail deep inside the server as unexpected errors (masked
// as "Unexpected error.") are refused up front with a clear code.
import { type DocumentNode, type ExecutionArgs, type ExecutionResult, GraphQLError, visit } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * GraphQL Yoga reads `variables` and `extensions` of GET and form-encoded requests with a bare
 * JSON.parse: text that isn't JSON there would escape as an HTTP 500.
 */
export function malformedParamsPlugin(): Plugin {
  return {
    onRequestParse({ requestParser, setRequestParser }) {
      if (!requestParser) return;
      setRequestParser(async (request) => {
        try {
          return await requestParser(request);
        } catch (error) {
          if (!(error instanceof SyntaxError)) throw error;
          throw new GraphQLError('The "variables" and "extensions" parameters must be JSON objects.', {
            extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
          });
        }
      });
    },
  };
}

const NUL_REFUSED = 'Text may not contain the NUL character (U+0000).';

function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(holdsNul);
  if (value !== null && typeof value === 'object') return Object.entries(value).some(([key, inner]) => holdsNul(key) || holdsNul(inner));
  return false;
}

// yoga's parser cache hands the same document to every request with the same text: walk each once.
const literalsHoldNul = new WeakMap<DocumentNode, boolean>();

function documentHoldsNul(document: DocumentNode): boolean {
  let found = literalsHoldNul.get(document);
  if (found === undefined) {
    found = false;
    visit(document, {
      StringValue(node) {
        if (node.value.includes('\u0000')) found = true;
      },
    });
    literalsHoldNul.set(document, found);
  }
  return found;
}

/**
 * Refuses U+0000 in any input (variables or literals) before a resolver runs: PostgreSQL text can't
 * store it, so it would reach the database as an unexpected error, and bcrypt would cut a password
 * there. No real e-mail, name, code, id or password holds it.
 */
export function nulCharacterPlugin(): Plugin {
  const refuse = (args: ExecutionArgs, stop: (result: ExecutionResult) => void) => {
    if (holdsNul(args.variableValues) || documentHoldsNul(args.document)) {
      stop({ errors: [new GraphQLError(NUL_REFUSED, { extensions: { code: 'BAD_USER_INPUT' } })] });
    }
  };
  return {
    onExecute: ({ args, setResultAndStopExecution }) => refuse(args, setResultAndStopExecution),
    onSubscribe: ({ args, setResultAndStopExecution }) => refuse(args, setResultAndStopExecution),
  };
}
