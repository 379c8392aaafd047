// Floating seats from the plug-in's side, against a real server on loopback: the SDK's heartbeat
// keeps a seat over many leases, a plug-in that stops heartbeating loses it to the sweeper, one that
// was offline past its lease comes back (or hears NO_FREE_SLOT), borrowing, and the clean exit of the
// SDK and of `slotkeeper heartbeat` in a child process.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, type Socket, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Listening } from '@slotkeeper/api/server';
import { type ClientOptions, type HeartbeatOptions, type SlotkeeperClient, createClient } from '@slotkeeper/client/client';
import type { SlotkeeperError } from '@slotkeeper/client/error';
import type { JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, startTestApp } from './support/app.ts';
import { rejection } from './support/client.ts';

 /** Floating seats in this file: a lease of a few seconds, swept every second. */
const LEASE_SECONDS = 4;

const BIN = fileURLToPath(new URL('../packages/client/bin/slotkeeper.js', import.meta.url));

let t: TestApp;
let server: Listening;
let shippedKeys: JSONWebKeySet;
let work: string;
let keysFile: string;
const clients: SlotkeeperClient[] = [];

beforeAll(async () => {
  // The server's own sweeper (LEASE_SWEEP_SECONDS), every second.
  t = await startTestApp({ config: { leaseSweepSeconds: 1 } });
  t.app.leaseSweeper.start();
  server = await t.listen();
  shippedKeys = await (await fetch(`${server.url}/.well-known/jwks.json`)).json();
  work = mkdtempSync(join(tmpdir(), 'slotkeeper-heartbeat-'));
  keysFile = join(work, 'vendor-keys.json');
  writeFileSync(keysFile, JSON.stringify(shippedKeys));
});

afterAll(async () => {
  for (const c of clients) await c.close();
  if (work) rmSync(work, { recursive: true, force: true });
  await t?.close();
});

function client(options: Partial<ClientOptions> = {}): SlotkeeperClient {
  const created = createClient({
    serverUrl: server.url,
    storageDir: mkdtempSync(join(work, 'storage-')),
    publicKeys: shippedKeys,
    fingerprint: `machine-${randomBytes(4).toString('hex')}`,
    ...options,
  });
  clients.push(created);
  return created;
}

async function seatsUsed(licenseId: string): Promise<number> {
  return t.app.database.prisma.activation.count({ where: { licenseId, releasedAt: null } });
}

async function slotOf(activationId: string) {
  return t.app.database.prisma.activation.findUniqueOrThrow({ where: { id: activationId } });
}

/** Polls (every 100 ms, up to `ms`) until `check` is true; fails the test with `what` otherwise. */
async function eventually(what: string, check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** What a heartbeat reported, for the test to read. */
function recorder() {
  const renewed: { activationId: string; validUntil: Date; revived: boolean }[] = [];
  const retries: { code: string; tokenValid: boolean; message: string; at: Date }[] = [];
  const lost: SlotkeeperError[] = [];
  const options: HeartbeatOptions = {
    onRenewed: (r) => renewed.push(r),
    onRetry: (e) => retries.push({ code: e.error.code, tokenValid: e.tokenValid, message: e.error.message, at: new Date() }),
    onLost: (e) => lost.push(e),
  };
  return { renewed, retries, lost, options };
}

/**
 * A TCP relay to the server that the test can cut, as the plug-in's network going away: while
 * offline it drops the open connections and refuses new ones.
 */
async function cable(): Promise<{ url: string; online: boolean; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const target = new URL(server.url);
  const state = { online: true };
  const relay: Server = createServer((socket) => {
    if (!state.online) return socket.destroy();
    const upstream = connect(Number(target.port), target.hostname);
    for (const s of [socket, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    socket.pipe(upstream).pipe(socket);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const { port } = relay.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    get online() {
      return state.online;
    },
    set online(value: boolean) {
      state.online = value;
      if (!value) for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        relay.close(() => resolve());
      }),
  };
}

/** A TCP server that accepts connections and never answers: a license server hanging mid-request. */
async function silentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<import('node:net').Socket>();
  const silent: Server = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const { port } = silent.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        silent.close(() => resolve());
      }),
  };
}

/** `slotkeeper` in a child process that keeps running: its stdout as JSON events, one per line. */
function startCli(args: string[], env: Record<string, string> = {}, options = { lines: true }) {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH, HOME: work, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const events: Record<string, unknown>[] = [];
  let stdout = '';
  let all = '';
  let stderr = '';
  const waiters: { test: (e: Record<string, unknown>) => boolean; resolve: () => void }[] = [];
  child.stdout.on('data', (chunk) => {
    all += chunk;
    if (!options.lines) return;
    stdout += chunk;
    let newline: number;
    while ((newline = stdout.indexOf('\n')) >= 0) {
      const line = stdout.slice(0, newline);
      stdout = stdout.slice(newline + 1);
      const event = JSON.parse(line) as Record<string, unknown>;
      events.push(event);
      for (const w of waiters.filter((w) => w.test(event))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    child,
    events,
    exited,
    stderr: () => stderr,
    stdout: () => all,
    /** Resolves at the first event (seen before or after the call) with this `event` name. */
    until(name: string): Promise<void> {
      if (events.some((e) => e.event === name)) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ test: (e) => e.event === name, resolve }));
    },
  };
}

/** Activates a storage folder as the CLI will find it (in-process: one child process fewer per test). */
async function activated(license: { email: string; password: string; product: string }) {
  const storageDir = mkdtempSync(join(work, 'storage-'));
  const fingerprint = `cli-${randomBytes(4).toString('hex')}`;
  await client({ storageDir, fingerprint }).activate({ email: license.email, password: license.password, product: license.product });
  return ['--json', '--server', server.url, '--storage', storageDir, '--keys', keysFile, '--fingerprint', fingerprint];
}

describe('floating seats', () => {
  it('a plug-in that keeps heartbeating keeps its seat over several leases; one that stops loses it to the sweeper', async () => {
    // A longer lease here: renewing at half of it leaves room for a machine as loaded as CI's.
    const lease = 6;
    const license = await t.seed.license({ seats: 2, leaseSeconds: lease });
    const login = { email: license.email, password: license.password, product: license.product };
    const beating = client();
    const first = await beating.activate(login);
    const log = recorder();
    const heartbeat = await beating.startHeartbeat(log.options);
    const second = await client().activate(login);
    const started = Date.now();
    await eventually('three leases', () => Date.now() - started > 3 * lease * 1000, 60_000);
    await eventually('the silent slot to be swept', async () => (await slotOf(second.activationId)).releasedAt !== null);

    expect(await slotOf(second.activationId)).toMatchObject({ releaseReason: 'LEASE_EXPIRED' });
    expect(await slotOf(first.activationId), JSON.stringify(log)).toMatchObject({ releasedAt: null });
    // About two renewals per lease, all on the same slot, none lost.
    expect(log.renewed.length).toBeGreaterThanOrEqual(4);
    expect(log.renewed.every((r) => r.activationId === first.activationId && !r.revived)).toBe(true);
    expect(log.lost).toEqual([]);
    expect(heartbeat.running).toBe(true);
    expect((await beating.check()).status).toBe('VALID');
    await heartbeat.stop();
    expect(await seatsUsed(license.id)).toBe(1);
  });

  it('offline past its lease: keeps retrying, then comes back into a free seat; once another machine took it, NO_FREE_SLOT', async () => {
    const license = await t.seed.license({ seats: 1, leaseSeconds: LEASE_SECONDS });
    const login = { email: license.email, password: license.password, product: license.product };
    const network = await cable();
    try {
      // A request caught by the cut fails within 5 s, not the default 30.
      const traveller = client({ serverUrl: network.url, timeoutMs: 5_000 });
      const { activationId } = await traveller.activate(login);
      const log = recorder();
      const heartbeat = await traveller.startHeartbeat(log.options);
      network.online = false;
      await eventually('the lapsed slot to be swept', async () => (await slotOf(activationId)).releasedAt !== null);
      expect(await slotOf(activationId)).toMatchObject({ releaseReason: 'LEASE_EXPIRED' });
      // A blip within the lease is retried as such; past it, retrying goes on.
      await eventually('a retry past the lease', () => log.retries.some((r) => !r.tokenValid));
      expect(log.retries.every((r) => r.code === 'SERVER_UNREACHABLE')).toBe(true);
      expect(log.lost).toEqual([]);

      network.online = true;
      await eventually('the revival', () => log.renewed.some((r) => r.revived), 90_000);
      const revived = log.renewed.find((r) => r.revived)!;
      expect(revived.activationId).not.toBe(activationId);
      expect(await slotOf(revived.activationId)).toMatchObject({ releasedAt: null, licenseId: license.id });
      // The new token is the stored one: it names the new slot and verifies offline.
      expect((await traveller.check()).license?.activationId).toBe(revived.activationId);
      expect((await traveller.check()).status).toBe('VALID');

      // Offline again; meanwhile another machine takes the only seat and holds it (its lease is as short).
      network.online = false;
      await eventually('the second lapse', async () => (await slotOf(revived.activationId)).releasedAt !== null);
      const otherMachine = client();
      const other = await otherMachine.activate(login);
      const otherBeat = await otherMachine.startHeartbeat();
      network.online = true;
      const online = new Date();
      await eventually('the refusal', () => log.lost.length > 0, 90_000).catch((error: Error) => {
        throw new Error(`${error.message}; online since ${online.toISOString()}; heartbeat: ${JSON.stringify(log)}`);
      });
      expect(log.lost.map((e) => e.code)).toEqual(['NO_FREE_SLOT']);
      expect(log.lost[0]!.details).toMatchObject({ seats: 1, used: 1 });
      expect(heartbeat.running).toBe(false);
      expect(await slotOf(other.activationId)).toMatchObject({ releasedAt: null });
      expect(await seatsUsed(license.id)).toBe(1);
      await otherBeat.stop();
      // The lapsed token stays stored (a later heartbeat may find a free seat); offline it is EXPIRED.
      expect((await traveller.check()).status).toBe('EXPIRED');
    } finally {
      await network.close();
    }
  }, 120_000);

  it('a seat released from the license manager: the heartbeat stops with SLOT_RELEASED and forgets the activation', async () => {
    const license = await t.seed.license({ seats: 2, leaseSeconds: LEASE_SECONDS });
    const login = { email: license.email, password: license.password, product: license.product };
    const lostOne = client();
    const { activationId } = await lostOne.activate(login);
    const log = recorder();
    const heartbeat = await lostOne.startHeartbeat(log.options);
    await client().release(activationId, login);
    await eventually('the loss', () => log.lost.length > 0);
    expect(log.lost.map((e) => e.code)).toEqual(['SLOT_RELEASED']);
    expect(heartbeat.running).toBe(false);
    expect((await lostOne.check()).status).toBe('NOT_ACTIVATED');
  });
});

describe('borrowing', () => {
  it('borrows up to the maximum through the SDK; beyond it, or where the product lends none, BORROW_TOO_LONG', async () => {
    const license = await t.seed.license({ seats: 1, leaseSeconds: 1_800, maxBorrowSeconds: 7 * 86_400 });
    const login = { email: license.email, password: license.password, product: license.product };
    const laptop = client();
    const tooLong = await rejection(laptop.activate({ ...login, borrowSeconds: 8 * 86_400 }));
    expect(tooLong.code).toBe('BORROW_TOO_LONG');
    expect(tooLong.details).toMatchObject({ maxBorrowSeconds: 7 * 86_400 });
    expect(await seatsUsed(license.id)).toBe(0);

    const before = Math.floor(Date.now() / 1000);
    const borrowed = await laptop.activate({ ...login, borrowSeconds: 7 * 86_400 });
    const exp = borrowed.check.license!.validUntil.getTime() / 1000;
    expect(exp).toBeGreaterThanOrEqual(before + 7 * 86_400 - 5);
    expect(exp).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 7 * 86_400);
    // Back from the trip: a plain renewal returns to the lease.
    const renewed = await laptop.renew();
    expect(renewed.license!.validUntil.getTime()).toBeLessThanOrEqual(Date.now() + 1_800_000);
    expect((await rejection(laptop.renew({ borrowSeconds: 8 * 86_400 }))).code).toBe('BORROW_TOO_LONG');

    const noLending = await t.seed.license({ seats: 1, leaseSeconds: 1_800 });
    const refused = await rejection(
      client().activate({ email: noLending.email, password: noLending.password, product: noLending.product, borrowSeconds: 3_600 }),
    );
    expect(refused.code).toBe('BORROW_TOO_LONG');
    expect(refused.details).toMatchObject({ maxBorrowSeconds: 0 });
  });

  it('slotkeeper activate --borrow 7d; 8d is BORROW_TOO_LONG (exit 1); a malformed duration is a usage error (exit 2)', async () => {
    const license = await t.seed.license({ seats: 1, leaseSeconds: 1_800, maxBorrowSeconds: 7 * 86_400 });
    const global = ['--json', '--server', server.url, '--storage', mkdtempSync(join(work, 'storage-')), '--keys', keysFile];
    const activate = (borrow: string) =>
      startCli([...global, 'activate', '--email', license.email, '--product', license.product, '--borrow', borrow], {
        SLOTKEEPER_PASSWORD: license.password,
      }, { lines: false });

    const tooLong = activate('8d');
    expect(await tooLong.exited).toBe(1);
    expect(JSON.parse(tooLong.stdout())).toEqual({ error: expect.objectContaining({ code: 'BORROW_TOO_LONG', maxBorrowSeconds: 604_800 }) });

    const malformed = activate('7x');
    expect(await malformed.exited).toBe(2);
    expect(JSON.parse(malformed.stdout()).error).toMatchObject({ code: 'USAGE', message: expect.stringContaining('--borrow takes a duration such as 90s, 30m, 12h or 7d, not "7x"') });

    const borrowed = activate('7d');
    expect(await borrowed.exited, borrowed.stderr()).toBe(0);
    const token = JSON.parse(borrowed.stdout()).check.license;
    // Seconds of the token's own `iat` and `exp`.
    expect(Math.abs(new Date(token.validUntil).getTime() - new Date(token.issuedAt).getTime() - 7 * 86_400_000)).toBeLessThanOrEqual(1_000);
    expect(await seatsUsed(license.id)).toBe(1);
  });
});

describe('clean exit', () => {
  it('close({ deactivate: true }) frees the seat; close() alone keeps it', async () => {
    const license = await t.seed.license({ seats: 2 });
    const kept = client();
    await kept.activate({ email: license.email, password: license.password, product: license.product });
    const freed = client();
    await freed.activate({ email: license.email, password: license.password, product: license.product });
    expect(await seatsUsed(license.id)).toBe(2);
    await kept.close();
    await freed.close({ deactivate: true });
    expect(await seatsUsed(license.id)).toBe(1);
    // Closing again is harmless.
    await freed.close({ deactivate: true });
  });

  it('gives up after timeoutMs when the server hangs, and says so', async () => {
    const license = await t.seed.license();
    const storageDir = mkdtempSync(join(work, 'storage-'));
    const fingerprint = `machine-${randomBytes(4).toString('hex')}`;
    await client({ storageDir, fingerprint }).activate({ email: license.email, password: license.password, product: license.product });
    const hanging = await silentServer();
    try {
      const stuck = createClient({ serverUrl: hanging.url, storageDir, fingerprint, publicKeys: shippedKeys });
      const started = Date.now();
      const error = await rejection(stuck.close({ deactivate: true, timeoutMs: 300 }));
      expect(error.code).toBe('SERVER_UNREACHABLE');
      expect(error.message).toContain('no answer within 0.3 s; the seat frees itself when its lease runs out');
      // Well below the transport's own 30 s: the timeout, not the request, ended it.
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await hanging.close();
    }
    expect(await seatsUsed(license.id)).toBe(1);
  });

  it('startHeartbeat on a machine that is not activated: NOT_ACTIVATED', async () => {
    expect((await rejection(client().startHeartbeat())).code).toBe('NOT_ACTIVATED');
  });
});

describe('slotkeeper heartbeat', () => {
  it('holds the seat while running and deactivates on SIGTERM (exit 0); SIGINT likewise', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const license = await t.seed.license({ seats: 1, leaseSeconds: LEASE_SECONDS });
      const cli = startCli([...(await activated(license)), 'heartbeat']);
      await cli.until('started');
      // It heartbeats: renewed at about half the lease, and the seat outlives the first lease.
      await cli.until('renewed');
      expect(await seatsUsed(license.id)).toBe(1);
      cli.child.kill(signal);
      expect(await cli.exited, cli.stderr()).toBe(0);
      expect(cli.events.at(-1)).toEqual({ event: 'deactivated' });
      expect(await seatsUsed(license.id)).toBe(0);
    }
  });

  it('--watch-stdin: the seat goes when the plug-in that runs it closes its end', async () => {
    const license = await t.seed.license({ seats: 1 });
    const cli = startCli([...(await activated(license)), 'heartbeat', '--watch-stdin']);
    await cli.until('started');
    cli.child.stdin.end();
    expect(await cli.exited, cli.stderr()).toBe(0);
    expect(cli.events.at(-1)).toEqual({ event: 'deactivated' });
    expect(await seatsUsed(license.id)).toBe(0);
  });

  it('not activated: exit 10 with NOT_ACTIVATED', async () => {
    const cli = startCli(['--json', '--server', server.url, '--storage', mkdtempSync(join(work, 'storage-')), '--keys', keysFile, 'heartbeat']);
    cli.child.stdin.end();
    expect(await cli.exited).toBe(10);
    expect(cli.events).toEqual([{ event: 'error', error: expect.objectContaining({ code: 'NOT_ACTIVATED' }) }]);
  });
});
