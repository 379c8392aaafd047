// A real HTTP receiver for webhook deliveries (node:http on a free loopback port).
import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** The webhook-id header. */
  id: string;
  type: string;
  data: any;
}

/** A status to answer with, or 'hang' to answer nothing (the sender's timeout must end it). */
export type Answer = number | 'hang';

export interface Receiver {
  url: string;
  port: number;
  /** Every request received, answered or not, in arrival order. */
  received: Received[];
  /** How the next requests are answered (default 200). */
  answer: (received: Received) => Answer;
  close(): Promise<void>;
}

export async function startReceiver(port = 0): Promise<Receiver> {
  const receiver: Receiver = {
    url: '',
    port: 0,
    received: [],
    answer: () => 200,
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const payload = JSON.parse(body) as { type: string; data: unknown };
      const received: Received = { headers: req.headers, body, id: String(req.headers['webhook-id']), type: payload.type, data: payload.data };
      receiver.received.push(received);
      const answer = receiver.answer(received);
      if (answer === 'hang') return;
      res.writeHead(answer, { 'content-type': 'text/plain' });
      res.end(answer < 300 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  receiver.port = (server.address() as AddressInfo).port;
  receiver.url = `http://127.0.0.1:${receiver.port}/hooks`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}

/** The headers a Standard Webhooks verifier reads. */
export function signatureHeaders(received: Received): Record<string, string> {
  return {
    'webhook-id': String(received.headers['webhook-id']),
    'webhook-timestamp': String(received.headers['webhook-timestamp']),
    'webhook-signature': String(received.headers['webhook-signature']),
  };
}
