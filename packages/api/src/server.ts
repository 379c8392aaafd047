import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { SERVICE_RESTART } from './live-subscriptions.ts';
import { DEFAULT_HTTP_TIMEOUTS, DEFAULT_MAX_BODY_BYTES, type HttpTimeouts } from './config.ts';
import type { SlotkeeperYoga } from './yoga.ts';

export interface CloseOptions {
  /** How long requests in flight may take to finish before their connections are cut (default 0). */
  graceMs?: number;
  /** Ends the streams (subscriptions) the way clients should see this close (see LiveSubscriptions). */
  endStreams?: () => void;
}

export interface Closed {
  /** Connections still open when the grace time ran out, cut then (WebSockets among them: `ws`). */
  cut: number;
  ws: number;
}

export interface Listening {
  server: Server;
  url: string;
  /** Refuses new connections at once, then lets what runs finish (see CloseOptions) and closes. */
  close(options?: CloseOptions): Promise<Closed>;
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
  // Listening before the WebSocket server is attached: ws re-emits the HTTP server's errors, and
  // graphql-ws prints them with a stack, so a port in use would not be the one line main.ts gives it.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
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
  const address = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return {
    server,
    url: `http://${shownHost}:${address.port}`,
    async close({ graceMs = 0, endStreams }: CloseOptions = {}) {
      let httpClosed = false;
      let wsClosed = false;
      const allClosed = new Promise<void>((resolve) => server.close(() => resolve())).then(() => (httpClosed = true));
      if (endStreams) {
        endStreams();
        // What the streams send last goes out in promise callbacks: let it reach the sockets before these close.
        await new Promise((resolve) => setImmediate(resolve));
      }
      // Every WebSocket, with or without a subscription, hears that the service restarts: graphql-ws
      // clients reconnect instead of giving up.
      for (const client of wss.clients) client.close(SERVICE_RESTART.code, SERVICE_RESTART.reason);
      // Resolves once every WebSocket has finished its closing handshake.
      const socketsClosed = Promise.resolve(ws.dispose()).then(() => (wsClosed = true));
      // A keep-alive connection becomes idle only once its response is out; Node closed the idle ones
      // when the server closed, so look again until everything has ended or the grace time is over.
      const deadline = Date.now() + graceMs;
      while (!(httpClosed && wsClosed) && Date.now() < deadline) {
        server.closeIdleConnections();
        await Promise.race([Promise.all([allClosed, socketsClosed]), new Promise((resolve) => setTimeout(resolve, 50))]);
      }
      // Whatever is left is cut now, whatever its transport: a client that stopped reading never
      // answers a WebSocket close, and ws would wait 30 s for it.
      const cut = await new Promise<number>((resolve) => server.getConnections((_error, count) => resolve(count ?? 0)));
      const frozen = wss.clients.size;
      for (const client of wss.clients) client.terminate();
      server.closeAllConnections();
      await Promise.all([allClosed, socketsClosed]);
      return { cut, ws: frozen };
    },
  };
}
