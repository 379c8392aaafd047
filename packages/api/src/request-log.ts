import { randomUUID } from 'node:crypto';
import { type DocumentNode, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { type Logger, accessLogger, inRequest } from './logger.ts';

export const REQUEST_ID_HEADER = 'x-request-id';

// An id from a proxy or client is kept when it looks like an id (so one request can be followed
// through several systems); anything longer or stranger could forge or flood log lines.
const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

interface Seen {
  requestId: string;
  started: number;
  /** The path without its query string. */
  path: string;
  operationName?: string;
}

/**
 * Gives every HTTP request an id (an incoming sane `x-request-id`, else a new UUID) that every log line
 * written while handling it carries, returns it in the `x-request-id` response header, and writes one
 * access line per request. The path is logged without its query string: a GET request carries its
 * variables there.
 */
export function requestLogPlugin(
  logger: Logger,
  /** Paths logged at debug only (the route table's `quiet` routes: probes and scrapes would drown the log). */
  quiet: (pathname: string) => boolean,
): Plugin {
  const seen = new WeakMap<Request, Seen>();
  const access = accessLogger(logger);
  // The operation's name as the document declares it (clients often send no operationName).
  function noteOperation(args: { document: DocumentNode; operationName?: string | null; contextValue: unknown }) {
    const request = (args.contextValue as { request?: Request }).request;
    const entry = request && seen.get(request);
    if (entry) entry.operationName = getOperationAST(args.document, args.operationName)?.name?.value;
  }
  return {
    instrumentation: {
      request({ request }, wrapped) {
        const incoming = request.headers.get(REQUEST_ID_HEADER);
        const requestId = incoming && SANE_ID.test(incoming) ? incoming : randomUUID();
        const path = new URL(request.url).pathname;
        seen.set(request, { requestId, started: performance.now(), path });
        return inRequest(requestId, () => {
          // At debug only: shows which requests were running when something hung or stopped.
          logger.debug({ method: request.method, path }, 'request received');
          return wrapped();
        });
      },
    },
    onExecute: ({ args }) => noteOperation(args),
    onSubscribe: ({ args }) => noteOperation(args),
    onResponse({ request, response }) {
      const entry = seen.get(request);
      if (!entry) return;
      response.headers.set(REQUEST_ID_HEADER, entry.requestId);
      const { path } = entry;
      const line = {
        requestId: entry.requestId,
        method: request.method,
        path,
        status: response.status,
        ms: Math.round(performance.now() - entry.started),
        operationName: entry.operationName,
      };
      if (quiet(path)) access.debug(line, 'request');
      else access.info(line, 'request');
    },
  };
}
