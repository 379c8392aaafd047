// The floor of P3's SSE fan-out: the unavoidable work of one event to N SSE subscribers, by hand on
// node:http and nothing else — one serialization, the same bytes written to every open stream, then
// the mutation's answer. It speaks just enough of the api's protocol for P3's driver and subscriber
// process to measure it the same way: GET /graphql with `Accept: text/event-stream` subscribes; a
// POST /graphql carrying an activation or a deactivation (by the token this server handed out)
// publishes a `slotUsageChanged` event to every subscriber and answers with the api's JSON shape.
// No database, no GraphQL, no authentication. Reads PORT and HOST; GET /ready answers once listening.
import { randomUUID } from 'node:crypto';
import { type ServerResponse, createServer } from 'node:http';

const streams = new Set<ServerResponse>();
let seatsUsed = 0;

function publish(id: string, change: 'ACTIVATED' | 'DEACTIVATED') {
  const payload = { data: { slotUsageChanged: { licenseId: 'floor', seatsUsed, change, activation: { id } } } };
  const bytes = Buffer.from(`event: next\ndata: ${JSON.stringify(payload)}\n\n`);
  for (const stream of streams) stream.write(bytes);
}

const server = createServer((req, res) => {
  if (req.url === '/ready') return res.end('ok');
  if (!req.url?.startsWith('/graphql')) {
    res.statusCode = 404;
    return res.end();
  }
  if (req.method === 'GET' && req.headers.accept?.includes('text/event-stream')) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.flushHeaders();
    streams.add(res);
    res.on('close', () => streams.delete(res));
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString();
    let result: Record<string, unknown>;
    if (body.includes('deactivateMachine')) {
      const token = (JSON.parse(body) as { variables: { input: { token: string } } }).variables.input.token;
      const id = token.replace(/^floor-/, '');
      seatsUsed--;
      publish(id, 'DEACTIVATED');
      result = { __typename: 'DeactivateMachineSuccess' };
    } else {
      const id = randomUUID();
      seatsUsed++;
      publish(id, 'ACTIVATED');
      result = { __typename: 'ActivateMachineSuccess', token: `floor-${id}`, activation: { id } };
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ data: { result } }));
  });
});
server.headersTimeout = 0;
server.requestTimeout = 0;
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
process.on('SIGTERM', () => {
  for (const stream of streams) stream.end();
  server.close(() => process.exit(0));
});
