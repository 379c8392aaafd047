// A real HTTP proxy (npm `proxy`: CONNECT tunnels and absolute-form requests) on a loopback port that requires a Basic login,
// recording every request it receives so tests can assert what went through it.
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createProxy } from 'proxy';

export interface ProxyRequest {
  method: string;
  /** For CONNECT: the tunnel's `host:port`; else the absolute URL asked for. */
  target: string;
  authorized: boolean;
}

export interface TestProxy {
  /** `127.0.0.1:PORT`, as a user types it in the license window. */
  address: string;
  requests: ProxyRequest[];
  close(): Promise<void>;
}

export async function startProxy(login: { user: string; password: string }): Promise<TestProxy> {
  const expected = `Basic ${Buffer.from(`${login.user}:${login.password}`).toString('base64')}`;
  const requests: ProxyRequest[] = [];
  const proxy = createProxy(createServer());
  proxy.authenticate = (req) => {
    const authorized = req.headers['proxy-authorization'] === expected;
    requests.push({ method: req.method ?? '', target: req.url ?? '', authorized });
    return authorized;
  };
  // Tunnels leave the HTTP server's bookkeeping: track the sockets to end them on close.
  const sockets = new Set<Socket>();
  proxy.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    proxy.once('error', reject);
    proxy.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = proxy.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    requests,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}

/** A loopback port with nothing listening on it: the address of a stopped server or a mistyped proxy. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
