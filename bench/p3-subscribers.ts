// P3's subscribers, in their own process (their sockets and parsing stay off the server's and the
// driver's event loops). Started with one JSON argument; talks to the parent over IPC:
//   → { type: 'connected', open, failed, firstError }   once every subscription is set up (or failed)
//   ← { type: 'count' }   → { type: 'count', events }     receipts so far
//   ← { type: 'collect' } → { type: 'receipts', receipts: { [activationId:change]: ms[] } }
//   ← { type: 'close' }   closes every socket and exits
// A receipt's time is taken first thing when the event's last byte is read (wall clock, sub-ms).
import { connect } from 'node:net';
import WebSocket from 'ws';

interface Options {
  url: string;
  count: number;
  transport: 'sse' | 'ws';
  licenseId: string;
  tokens: string[];
  /** Subscriptions being set up at once. */
  batch: number;
}

const options = JSON.parse(process.argv[2]!) as Options;
const wallNow = () => performance.timeOrigin + performance.now();
const QUERY = 'subscription Bench($id: ID!) { slotUsageChanged(licenseId: $id) { licenseId seatsUsed change activation { id } } }';
const EVENT = /"change":"(\w+)","activation":\{"id":"([^"]+)"/;

const raw: [number, string][] = [];
let events = 0;
const closers: (() => void)[] = [];

function record(at: number, text: string) {
  raw.push([at, text]);
  events++;
}

function sse(i: number): Promise<void> {
  const { hostname, port } = new URL(options.url);
  const path = `/graphql?query=${encodeURIComponent(QUERY)}&variables=${encodeURIComponent(JSON.stringify({ id: options.licenseId }))}`;
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let headers = true;
    let buffer = '';
    socket.setNoDelay(true);
    socket.on('connect', () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAccept: text/event-stream\r\n` +
          `Authorization: Bearer ${options.tokens[i % options.tokens.length]}\r\nConnection: keep-alive\r\n\r\n`,
      );
    });
    socket.on('data', (chunk: Buffer) => {
      const at = wallNow();
      buffer += chunk.toString('latin1');
      if (headers) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const status = buffer.slice(0, buffer.indexOf('\r\n'));
        if (!/ 200 /.test(status)) {
          reject(new Error(`${status}: ${buffer.slice(0, 500)}`));
          socket.destroy();
          return;
        }
        headers = false;
        buffer = buffer.slice(end + 4);
        resolve();
      }
      // One event per `data:` line that ends with a blank line; chunked framing in between is ignored.
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (block.includes('"slotUsageChanged"')) record(at, block);
      }
    });
    socket.on('error', (error) => reject(error));
    closers.push(() => socket.destroy());
  });
}

function ws(i: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${options.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    socket.on('open', () => {
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${options.tokens[i % options.tokens.length]}` } }));
    });
    socket.on('message', (data: Buffer) => {
      const at = wallNow();
      const text = data.toString();
      if (text.includes('"connection_ack"')) {
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: QUERY, variables: { id: options.licenseId } } }));
        // graphql-ws does not acknowledge a subscription: the parent's warm-up event proves it.
        resolve();
      } else if (text.includes('"slotUsageChanged"')) record(at, text);
      else if (text.includes('"error"')) reject(new Error(text));
    });
    socket.on('error', reject);
    socket.on('close', (code, reason) => reject(new Error(`closed ${code} ${reason}`)));
    closers.push(() => socket.terminate());
  });
}

let open = 0;
let failed = 0;
let firstError: string | null = null;
const start = options.transport === 'sse' ? sse : ws;
for (let from = 0; from < options.count; from += options.batch) {
  const batch = Array.from({ length: Math.min(options.batch, options.count - from) }, (_, k) => start(from + k));
  for (const result of await Promise.allSettled(batch)) {
    if (result.status === 'fulfilled') open++;
    else {
      failed++;
      firstError ??= String(result.reason);
    }
  }
}
process.send!({ type: 'connected', open, failed, firstError });

process.on('message', (message: { type: string }) => {
  if (message.type === 'count') process.send!({ type: 'count', events });
  else if (message.type === 'collect') {
    const receipts: Record<string, number[]> = {};
    for (const [at, text] of raw) {
      const match = EVENT.exec(text);
      const key = match ? `${match[2]}:${match[1]}` : 'unparsed';
      (receipts[key] ??= []).push(at);
    }
    raw.length = 0;
    process.send!({ type: 'receipts', receipts });
  } else if (message.type === 'close') {
    for (const close of closers) close();
    process.exit(0);
  }
});
