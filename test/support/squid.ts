// Debian's stock squid as a corporate proxy for client tests: its default access rules (`deny
// !Safe_ports`, `deny CONNECT !SSL_ports`: tunnels only to 443) plus Basic auth through
// `basic_ncsa_auth`. Used by client-squid.test.ts (the Node SDK) and dotnet.test.ts (the C# client).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedPort } from './proxy.ts';

const SQUID = ['/usr/sbin/squid', '/usr/bin/squid'].find((path) => existsSync(path));
const NCSA = '/usr/lib/squid/basic_ncsa_auth';
export const squidInstalled = SQUID !== undefined && existsSync(NCSA);

/** The stock rules of Debian's /etc/squid/squid.conf, with Basic auth before "allow localhost". */
function squidConfig(dir: string, port: number): string {
  return `
auth_param basic program ${NCSA} ${join(dir, 'htpasswd')}
auth_param basic realm slotkeeper-test
acl authenticated proxy_auth REQUIRED
acl SSL_ports port 443
acl Safe_ports port 80
acl Safe_ports port 21
acl Safe_ports port 443
acl Safe_ports port 70
acl Safe_ports port 210
acl Safe_ports port 1025-65535
acl Safe_ports port 280
acl Safe_ports port 488
acl Safe_ports port 591
acl Safe_ports port 777
http_access deny !Safe_ports
http_access deny CONNECT !SSL_ports
http_access allow localhost manager
http_access deny manager
http_access deny !authenticated
http_access allow localhost
http_access deny all
http_port 127.0.0.1:${port}
cache deny all
cache_mem 8 MB
pid_filename ${join(dir, 'squid.pid')}
access_log stdio:${join(dir, 'access.log')}
cache_log ${join(dir, 'cache.log')}
coredump_dir ${dir}
netdb_filename none
shutdown_lifetime 0 seconds
`;
}

async function listening(dir: string, port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => resolve(true)).on('error', () => resolve(false));
      socket.on('connect', () => socket.destroy());
    });
    if (open) return;
    if (Date.now() > until) throw new Error(`squid did not listen on ${port}: ${readFileSync(join(dir, 'cache.log'), 'utf8')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface LogLine {
  status: string;
  method: string;
  url: string;
  user: string;
}

export interface Squid {
  /** host:port */
  address: string;
  /** Its folder (world-writable: squid drops root); the caller may keep its own files here. */
  dir: string;
  /** squid's access.log (native format): result code/status, method, URL, user. It writes each line after the answer. */
  accessLog(expected: number): Promise<LogLine[]>;
  /** Stops squid and removes its folder. */
  stop(): Promise<void>;
}

export async function startSquid(login: { user: string; password: string }): Promise<Squid> {
  const dir = mkdtempSync(join(tmpdir(), 'slotkeeper-squid-'));
  // squid drops root for its own user, which must read the password file and write its logs here.
  chmodSync(dir, 0o777);
  const hash = execFileSync('openssl', ['passwd', '-apr1', login.password], { encoding: 'utf8' }).trim();
  writeFileSync(join(dir, 'htpasswd'), `${login.user}:${hash}\n`, { mode: 0o644 });
  const port = await closedPort();
  writeFileSync(join(dir, 'squid.conf'), squidConfig(dir, port), { mode: 0o644 });
  // -N: in the foreground, so that the test owns the process; -n: its own service name (shared-memory names).
  const squid: ChildProcess = spawn(SQUID!, ['-N', '-f', join(dir, 'squid.conf'), '-n', `slotkeeper${port}`], { stdio: 'ignore' });
  await listening(dir, port, 15_000);
  return {
    address: `127.0.0.1:${port}`,
    dir,
    async accessLog(expected) {
      const until = Date.now() + 10_000;
      for (;;) {
        const text = existsSync(join(dir, 'access.log')) ? readFileSync(join(dir, 'access.log'), 'utf8') : '';
        const lines = text
          .split('\n')
          .filter(Boolean)
          .map((line) => {
            const [, , , status, , method, url, user] = line.trim().split(/\s+/);
            return { status: status!, method: method!, url: url!, user: user! };
          })
          // The start-up probe's connection, which sent no request.
          .filter((line) => line.method !== '-');
        if (lines.length >= expected || Date.now() > until) return lines;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async stop() {
      if (squid.exitCode === null && squid.signalCode === null) {
        const exited = new Promise((resolve) => squid.once('exit', resolve));
        squid.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
