// HTTP to the Slotkeeper server, directly or through a corporate proxy (undici's ProxyAgent,
// `Proxy-Authorization: Basic` when a login is given). An `https://` server is reached through a
// CONNECT tunnel; an `http://` one by plain requests in absolute form (`POST http://host/graphql`),
// as browsers and curl do it: stock proxies (Debian's squid: `deny CONNECT !SSL_ports`) refuse
// CONNECT to any port but 443. Every request of the SDK goes through `fetch` here, which also
// remembers the server's `Date` header for the clock check and turns connection failures into
// SlotkeeperErrors that say which hop failed and what to do.
import { rootCertificates } from 'node:tls';
import { Agent, type Dispatcher, ProxyAgent, fetch as undiciFetch } from 'undici';
import { SlotkeeperError } from './error.ts';

/** What a license window asks for; all optional. An empty `server` means no proxy. */
export interface ProxySettings {
  /** `host`, `host:port` or `http://host:port` (the port defaults to 80 for http, 443 for https). */
  server?: string;
  login?: string;
  password?: string;
}

export interface ServerTime {
  /** The server's clock, from the `Date` header of its latest answer (one-second resolution). */
  server: Date;
  /** This machine's clock when that answer arrived. */
  local: Date;
}

export interface Transport {
  readonly serverUrl: URL;
  /** Fetch through the configured route; failures to connect reject with a SlotkeeperError. */
  fetch: typeof fetch;
  /** Turns any failure of a request (connecting, reading the answer) into a SlotkeeperError. */
  describe(error: unknown): SlotkeeperError;
  lastServerTime(): ServerTime | null;
  close(): Promise<void>;
  /** Closes at once, aborting requests under way (close waits for them). */
  destroy(): Promise<void>;
}

/** The proxy as a URL, from what a user types: `proxy.corp`, `proxy.corp:8080` or a URL. */
export function parseProxyServer(server: string): URL {
  const text = server.trim();
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`);
  } catch {
    throw new TypeError(`The proxy "${server}" is not a host, host:port or http(s):// URL.`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
    throw new TypeError(`The proxy "${server}" is not a host, host:port or http(s):// URL.`);
  }
  return url;
}

export function parseServerUrl(serverUrl: string): URL {
  let url: URL;
  try {
    url = new URL(serverUrl);
  } catch {
    throw new TypeError(`The server address "${serverUrl}" is not a URL (e.g. https://licenses.example.com).`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`The server address "${serverUrl}" must start with https:// or http://.`);
  }
  return url;
}

// Failures to open a TCP (or TLS) connection: with a proxy, the only connection this machine opens
// is the one to the proxy, so these point at the proxy; without one, at the server.
const CONNECT_FAILURES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

function errorCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; errors?: { code?: unknown }[] } | null;
  if (typeof e?.code === 'string') return e.code;
  // Node tries every address of a host name and reports an AggregateError of the attempts.
  const first = e?.errors?.find((inner) => typeof inner.code === 'string');
  return typeof first?.code === 'string' ? first.code : undefined;
}

/** A proxy's own answer to a plain-HTTP request, told as undici tells a refused tunnel. */
class ProxyStatus extends Error {
  constructor(status: number) {
    super(`Proxy response (${status})`);
  }
}

const PROXY_ERRORS = new Set([403, 500, 502, 503, 504]);

/**
 * Whether an answer through the proxy is the proxy's own error page, not the server's JSON. (A 407
 * never gets here: undici fails the request with "Proxy Authentication Required (407)".)
 */
function fromProxy(response: { status: number; headers: { get(name: string): string | null } }): boolean {
  return PROXY_ERRORS.has(response.status) && !/json/i.test(response.headers.get('content-type') ?? '');
}

/** undici wraps the reason in `fetch failed` (TypeError.cause); the reason is what tells the hop. */
function rootCause(error: unknown): unknown {
  let current = error;
  while (current instanceof Error && current.cause !== undefined && errorCode(current) === undefined) current = current.cause;
  return current;
}

export function createTransport(options: {
  serverUrl: string;
  proxy?: ProxySettings;
  /** Certificate authorities (PEM) trusted for an https server besides the system's. */
  ca?: string | string[];
  /** How long to wait for an answer. */
  timeoutMs?: number;
  now: () => Date;
}): Transport {
  const serverUrl = parseServerUrl(options.serverUrl);
  const timeoutMs = options.timeoutMs ?? 30_000;
  // Connecting gives up after undici's 10 s; an answer may take `timeoutMs`.
  const timeouts = { headersTimeout: timeoutMs, bodyTimeout: timeoutMs };
  const proxyServer = options.proxy?.server?.trim() ? parseProxyServer(options.proxy.server) : null;
  const login = options.proxy?.login || (proxyServer ? decodeURIComponent(proxyServer.username) : '');
  const password = options.proxy?.password ?? (proxyServer ? decodeURIComponent(proxyServer.password) : '');
  // Shown in messages: never with the credentials.
  const proxyShown = proxyServer ? proxyServer.host : null;
  const serverShown = serverUrl.host;

  // Node's `ca` replaces the system's authorities: keep them, and add the given ones.
  const tls = options.ca === undefined ? {} : { ca: [...rootCertificates, ...[options.ca].flat()] };
  let dispatcher: Dispatcher;
  if (proxyServer) {
    const uri = new URL(proxyServer.href);
    uri.username = '';
    uri.password = '';
    dispatcher = new ProxyAgent({
      uri: uri.href,
      token: login ? `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}` : undefined,
      // Tunnel only https: plain http goes in absolute form (see the top of this file).
      proxyTunnel: false,
      requestTls: tls,
      ...timeouts,
    });
  } else {
    dispatcher = new Agent({ ...timeouts, connect: tls });
  }
  // Without a tunnel the proxy answers for itself with its own error page (a 403 of its rules, a
  // 5xx when it cannot reach the server) that is no GraphQL answer.
  const proxyAnswers = proxyServer !== null && serverUrl.protocol === 'http:';

  let serverTime: ServerTime | null = null;

  function describe(error: unknown): SlotkeeperError {
    if (error instanceof SlotkeeperError) return error;
    const cause = rootCause(error);
    const detail = cause instanceof Error ? cause.message : String(cause);
    const code = errorCode(cause);
    const proxyStatus = /Proxy (?:response|Authentication Required) \((\d{3})\)/.exec(detail)?.[1];

    if (proxyShown && proxyStatus === '407') {
      return new SlotkeeperError(
        'PROXY_AUTH_REFUSED',
        login
          ? `The proxy ${proxyShown} refused the login "${login}" (HTTP 407). Check the proxy login and password; your IT department knows them.`
          : `The proxy ${proxyShown} requires a login (HTTP 407). Enter the proxy login and password; your IT department knows them.`,
        { proxy: proxyShown, status: 407 },
        { cause: error },
      );
    }
    if (proxyShown && proxyStatus === '403') {
      return new SlotkeeperError(
        'PROXY_REFUSED',
        `The proxy ${proxyShown} does not allow connections to ${serverShown} (HTTP 403). Ask your IT department to allow this address.`,
        { proxy: proxyShown, server: serverShown, status: 403 },
        { cause: error },
      );
    }
    if (proxyShown && proxyStatus) {
      return new SlotkeeperError(
        'SERVER_UNREACHABLE',
        `The proxy ${proxyShown} could not reach the license server ${serverShown} (it answered HTTP ${proxyStatus}). Check the server address; if it is right, the server may be down: try again later.`,
        { proxy: proxyShown, server: serverShown, status: Number(proxyStatus) },
        { cause: error },
      );
    }
    if (proxyShown && code && CONNECT_FAILURES.has(code)) {
      return new SlotkeeperError(
        'PROXY_UNREACHABLE',
        `Cannot connect to the proxy ${proxyShown} (${code}). Check the proxy address and port, or leave the proxy empty if your network needs none.`,
        { proxy: proxyShown, reason: code },
        { cause: error },
      );
    }
    if (code && TIMEOUTS.has(code)) {
      return new SlotkeeperError(
        'SERVER_UNREACHABLE',
        `The license server ${serverShown} did not answer within ${Math.round(timeoutMs / 1000)} s${proxyShown ? ` (through the proxy ${proxyShown})` : ''}. Try again later.`,
        { server: serverShown, reason: code },
        { cause: error },
      );
    }
    return new SlotkeeperError(
      'SERVER_UNREACHABLE',
      proxyShown
        ? `The connection to the license server ${serverShown} through the proxy ${proxyShown} failed (${code ?? detail}). Check the server address; try again later.`
        : `Cannot connect to the license server ${serverShown} (${code ?? detail}). Check the server address and the internet connection; if your network needs a proxy, set it.`,
      { server: serverShown, reason: code ?? detail, ...(proxyShown ? { proxy: proxyShown } : {}) },
      { cause: error },
    );
  }

  const send = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    let response;
    try {
      response = await undiciFetch(input as string, { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher });
    } catch (error) {
      throw describe(error);
    }
    if (proxyAnswers && fromProxy(response)) {
      await response.body?.cancel();
      throw describe(new ProxyStatus(response.status));
    }
    const date = response.headers.get('date');
    const server = date ? new Date(date) : null;
    if (server && !Number.isNaN(server.getTime())) serverTime = { server, local: options.now() };
    return response as unknown as Response;
  };

  return {
    serverUrl,
    fetch: send as typeof fetch,
    describe,
    lastServerTime: () => serverTime,
    close: () => dispatcher.close(),
    destroy: () => dispatcher.destroy(),
  };
}
