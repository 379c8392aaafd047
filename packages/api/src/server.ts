import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { DEFAULT_HTTP_TIMEOUTS, DEFAULT_MAX_BODY_BYTES, type HttpTimeouts } from './config.ts';
import type { SlotkeeperYoga } from './yoga.ts';

export interface CloseOptions {
  /** How long requests in flight may take to finish before their connections are cut (default 0). */
  graceMs?: number;
  /** Ends the streams (subscriptions) so that SSE and WebSocket clients see them complete, not cut. */
  endStreams?: () => void;
}

export interface Listening {
  server: Server;
  url: string;
  /** Refuses new connections at once, then lets what runs finish (see CloseOptions) and closes. */
  close(options?: CloseOptions): Promise<void>;
}

/**
 * Serves the yoga app over HTTP (queries, mutations, SSE) and WebSocket (graphql-ws) on one port.
 * `timeouts` close sockets of clients that send too slowly (slowloris) or sit idle between requests;
 * they bound receiving a request only, so SSE responses and upgraded WebSockets stream for as long as
 * the client stays.
 */
export async function listen(
  yoga: SlotkeeperYoga,
  port: number,
  host: string,
  timeouts: HttpTimeouts = DEFAULT_HTTP_TIMEOUTS,
  maxMessageBytes = DEFAULT_MAX_BODY_BYTES,
): Promise<Listening> {
  const server = createServer(
    {
      headersTimeout: timeouts.headersTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      keepAliveTimeout: timeouts.keepAliveTimeoutMs,
      // Node enforces the two timeouts above only when it sweeps its connections (every 30 s by
      // default), which would let a slow client keep its socket up to 30 s longer.
      connectionsCheckingInterval: Math.min(1_000, timeouts.headersTimeoutMs),
    },
    yoga,
  );
  // ws would otherwise buffer messages of up to 100 MiB; a subscribe message is as small as a request.
  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint, maxPayload: maxMessageBytes });
  const ws = useServer(
    {
      execute: (args) => (args.rootValue as { execute: typeof import('graphql').execute }).execute(args),
      subscribe: (args) => (args.rootValue as { subscribe: typeof import('graphql').subscribe }).subscribe(args),
      onSubscribe: async (ctx, _id, payload) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
        });
        let document;
        try {
          document = parse(payload.query);
        } catch (error) {
          return [error as import('graphql').GraphQLError];
        }
        const errors = validate(schema, document);
        if (errors.length > 0) return errors;
        return {
          schema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
      },
    },
    wss,
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return {
    server,
    url: `http://${shownHost}:${address.port}`,
    async close({ graceMs = 0, endStreams }: CloseOptions = {}) {
      let closed = false;
      const allClosed = new Promise<void>((resolve) => server.close(() => resolve())).then(() => (closed = true));
      if (endStreams) {
        endStreams();
        // The completions go out in promise callbacks: let them reach the sockets before these close.
        await new Promise((resolve) => setImmediate(resolve));
      }
      await ws.dispose();
      wss.close();
      // A keep-alive connection becomes idle only once its response is out; Node closed the idle ones
      // when the server closed, so look again until everything has ended or the grace time is over.
      const deadline = Date.now() + graceMs;
      while (!closed && Date.now() < deadline) {
        server.closeIdleConnections();
        await Promise.race([allClosed, new Promise((resolve) => setTimeout(resolve, 50))]);
      }
      server.closeAllConnections();
      await allClosed;
    },
  };
}
