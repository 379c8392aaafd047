// The `slotkeeper` CLI end to end, in a child process as a C# plug-in or a support engineer runs it:
// JSON on stdout, the exit code per result, passwords on standard input.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Listening } from '@slotkeeper/api/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../scripts/build.mjs';
import { type TestApp, startTestApp } from './support/app.ts';
import { closedPort, startProxy } from './support/proxy.ts';

// The bin runs the compiled CLI (packages/client/dist, built here when stale), as a plug-in runs it.
const BIN = fileURLToPath(new URL('../packages/client/bin/slotkeeper.js', import.meta.url));

let t: TestApp;
let server: Listening;
let work: string;
let keysFile: string;
let rootKeysFile: string;

beforeAll(async () => {
  ensureBuilt({ quiet: true });
  t = await startTestApp();
  server = await t.listen();
  work = mkdtempSync(join(tmpdir(), 'slotkeeper-cli-'));
  keysFile = join(work, 'vendor-keys.json');
  writeFileSync(keysFile, await (await fetch(`${server.url}/.well-known/jwks.json`)).text());
  rootKeysFile = join(work, 'vendor-root-keys.json');
  writeFileSync(rootKeysFile, JSON.stringify({ keys: [await t.app.services.signer.rootKey()] }));
});

afterAll(async () => {
  if (work) rmSync(work, { recursive: true, force: true });
  await t?.close();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI's bin with `stdin` as standard input (passwords, one per line). */
function slotkeeper(args: string[], stdin = '', env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      // Only what the CLI is given here: no SLOTKEEPER_* from the developer's shell.
      env: { PATH: process.env.PATH, HOME: work, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

function json(run: Run) {
  try {
    return JSON.parse(run.stdout);
  } catch {
    throw new Error(`not JSON (exit ${run.code}): ${run.stdout}\n${run.stderr}`);
  }
}

function storageDir() {
  return mkdtempSync(join(work, 'storage-'));
}

describe('slotkeeper CLI', () => {
  it('the fingerprint and the trust anchors come from the command line only, never the environment or config.json', async () => {
    const license = await t.seed.license({ seats: 1 });
    const dir = storageDir();
    const shared = ['--json', '--server', server.url, '--storage', dir, '--keys', keysFile, '--fingerprint', 'shared-pc'];
    const activate = await slotkeeper([...shared, 'activate', '--email', license.email, '--product', license.product], `${license.password}\n`);
    expect(activate.code, activate.stderr).toBe(0);
    expect((await slotkeeper([...shared, 'status'])).code).toBe(0);

    // Another machine given the same value by its user, as three "machines" sharing one slot did.
    const config = join(work, `config-${randomBytes(3).toString('hex')}.json`);
    writeFileSync(config, JSON.stringify({ fingerprint: 'shared-pc', keys: keysFile }));
    const byUser = await slotkeeper(['--json', '--config', config, '--storage', dir, '--keys', keysFile, 'status'], '', {
      SLOTKEEPER_FINGERPRINT: 'shared-pc',
    });
    expect(json(byUser).status).toBe('WRONG_MACHINE');
    expect(byUser.code).toBe(14);
    // Keys named only by the config file or the environment are not trusted: nothing verifies.
    const keysByUser = await slotkeeper(['--json', '--config', config, '--storage', dir, '--fingerprint', 'shared-pc', 'status'], '', {
      SLOTKEEPER_KEYS: keysFile,
    });
    expect(json(keysByUser).status).toBe('BAD_SIGNATURE');
  });

  it('activate, status, links, licenses, deactivate, status with --json: results and exit codes', async () => {
    const product = await t.app.services.products.create('operator', {
      code: `cli-${randomBytes(4).toString('hex')}`,
      name: 'CLI Plug-in',
      links: { documentation: 'https://docs.vendor.example/cli' },
    });
    const license = await t.seed.license({ seats: 2, product });
    // Storage from a config file; the server and the trust anchors from the command line.
    const config = join(work, `config-${randomBytes(3).toString('hex')}.json`);
    writeFileSync(config, JSON.stringify({ storage: storageDir() }));
    const global = ['--json', '--config', config, '--server', server.url, '--keys', keysFile, '--root-keys', rootKeysFile];

    const activate = await slotkeeper([...global, 'activate', '--email', license.email, '--product', product.code], `${license.password}\n`);
    expect(activate.code, activate.stderr).toBe(0);
    const activated = json(activate);
    expect(activated).toMatchObject({ license: { id: license.id, seats: 2, seatsUsed: 1 }, check: { status: 'VALID' } });
    expect(`${activate.stdout}${activate.stderr}`).not.toContain(license.password);

    const status = await slotkeeper([...global, 'status']);
    expect(status.code).toBe(0);
    expect(json(status)).toMatchObject({
      status: 'VALID',
      license: { licenseId: license.id, activationId: activated.activationId, product: { code: product.code } },
    });

    const links = await slotkeeper([...global, 'links']);
    expect(json(links).links).toEqual({ website: null, documentation: 'https://docs.vendor.example/cli', support: null, purchase: null });

    const licenses = await slotkeeper([...global, 'licenses', '--email', license.email], `${license.password}\n`);
    expect(licenses.code, licenses.stderr).toBe(0);
    expect(json(licenses)).toEqual([
      expect.objectContaining({
        id: license.id,
        seats: 2,
        seatsUsed: 1,
        activations: [expect.objectContaining({ id: activated.activationId, machineName: hostname(), thisMachine: true })],
      }),
    ]);

    const deactivate = await slotkeeper([...global, 'deactivate']);
    expect(deactivate.code, deactivate.stderr).toBe(0);
    expect(json(deactivate)).toEqual({ licenseId: license.id, seats: 2, seatsUsed: 0 });

    const after = await slotkeeper([...global, 'status']);
    expect(after.code).toBe(10);
    expect(json(after).status).toBe('NOT_ACTIVATED');
  });

  it('readable text without --json; refusals, network and proxy errors each with their exit code', async () => {
    const license = await t.seed.license();
    const global = ['--server', server.url, '--storage', storageDir(), '--keys', keysFile];

    const wrong = await slotkeeper([...global, 'activate', '--email', license.email, '--product', license.product], 'not the password\n');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('Error (INVALID_CREDENTIALS): The e-mail or password is wrong.');

    const activate = await slotkeeper([...global, 'activate', '--email', license.email, '--product', license.product], `${license.password}\n`);
    expect(activate.code, activate.stderr).toBe(0);
    expect(activate.stdout).toMatch(/^Activated this machine for Test Plug-in \(plugin-[0-9a-f]+\): 1 of 3 seats used; license until \d{4}-\d{2}-\d{2}\.\nVALID: Licensed until/);

    const port = await closedPort();
    const down = await slotkeeper(['--server', `http://127.0.0.1:${port}`, '--storage', storageDir(), 'password', 'reset', '--email', license.email]);
    expect(down.code).toBe(3);
    expect(down.stderr).toContain(`Error (SERVER_UNREACHABLE): Cannot connect to the license server 127.0.0.1:${port} (ECONNREFUSED)`);

    const proxy = await startProxy({ user: 'alice', password: 'secret' });
    try {
      const refused = await slotkeeper([...global, '--proxy', proxy.address, 'password', 'reset', '--email', license.email]);
      expect(refused.code).toBe(4);
      expect(refused.stderr).toContain(`Error (PROXY_AUTH_REFUSED): The proxy ${proxy.address} requires a login (HTTP 407).`);
      const through = await slotkeeper(
        [...global, '--proxy', proxy.address, '--proxy-user', 'alice', '--proxy-password', 'secret', 'password', 'reset', '--email', license.email],
      );
      expect(through.code, through.stderr).toBe(0);
      expect(through.stdout).toContain(`If ${license.email} is a login, a reset code is on its way by e-mail.`);
      expect(proxy.requests.map((r) => r.authorized)).toEqual([false, true]);
    } finally {
      await proxy.close();
    }
  });

  it('asks for the password at a terminal without echoing it', async () => {
    const license = await t.seed.license();
    const quote = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`;
    const command = [process.execPath, BIN, '--server', server.url, '--storage', storageDir(), '--keys', keysFile]
      .concat(['activate', '--email', license.email, '--product', license.product])
      .map(quote)
      .join(' ');
    // util-linux `script` gives the CLI a pseudo-terminal; everything the terminal shows comes back on stdout.
    const child = spawn('script', ['-qfec', command, '/dev/null'], { env: { PATH: process.env.PATH, HOME: work } });
    let screen = '';
    const prompted = new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk) => {
        screen += chunk;
        if (screen.includes('Password: ')) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    // Typed only once the prompt shows: earlier, the terminal itself would still echo it.
    await prompted;
    child.stdin.write(`${license.password}\r`);
    expect(await exited, screen).toBe(0);
    expect(screen).toContain('Activated this machine');
    expect(screen).not.toContain(license.password);
  });

  it('usage errors exit 2: no password given, unknown command, unknown option', async () => {
    const global = ['--json', '--server', server.url, '--storage', storageDir()];
    const noPassword = await slotkeeper([...global, 'activate', '--email', 'a@example.com', '--product', 'p']);
    expect(noPassword.code).toBe(2);
    expect(json(noPassword).error.message).toMatch(/^Password is needed/);
    expect((await slotkeeper([...global, 'frobnicate'])).code).toBe(2);
    expect((await slotkeeper([...global, 'status', '--colour'])).code).toBe(2);
  });
});
