// The operator CLI end to end, as an operator runs it: child processes on a real data folder, alone
// and beside a running server (commands then go through the server's operator socket), and on
// PostgreSQL when the run has one.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { decodeProtectedHeader } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureBuilt } from '../packages/admin/scripts/build-if-stale.mjs';
import { spawnTs } from '../scripts/api-process.ts';
import { CHROMIUM, launchBrowser, openDashboard } from './support/browser.ts';
import { ACTIVATE, machine } from './support/operations.ts';
import { workerDatabaseUrl } from './support/database-url.ts';

const CLI = 'packages/api/src/cli.ts';
const MAIN = 'packages/api/src/main.ts';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const GENERATED_PASSWORD = /^[A-Za-z2-9]{5}(-[A-Za-z2-9]{5}){3}$/;
const DAY = 86_400_000;

const children = new Set<ChildProcess>();
const tempDirs: string[] = [];
const unique = () => Math.random().toString(36).slice(2, 8);

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/**
 * The child's environment: this process's (PATH, HOME…) with every Slotkeeper setting pinned. Set to ''
 * rather than deleted, so a `.env` in the working folder cannot bring DATABASE_URL back (loadConfig
 * reads `.env` only for variables that are unset).
 */
function childEnv(settings: Record<string, string>): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: '',
    REDIS_URL: '',
    SMTP_URL: '',
    KEY_ENCRYPTION_KEY: '',
    PUBLIC_URL: '',
    NODE_ENV: 'development',
    BCRYPT_COST: '4',
    HOST: '127.0.0.1',
    PORT: '0',
    ...settings,
  };
}

function start(script: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawnTs(script, args, env);
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(script: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<Run> {
  const child = start(script, args, env);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const cli = (env: NodeJS.ProcessEnv, ...args: string[]) => run(CLI, args, env);

/** Runs a command that must succeed with `--json` and returns its parsed output. */
async function cliJson<T = any>(env: NodeJS.ProcessEnv, ...args: string[]): Promise<T> {
  const result = await cli(env, ...args, '--json');
  expect(result, result.stderr).toMatchObject({ code: 0 });
  return JSON.parse(result.stdout) as T;
}

/** Runs a command that must succeed without `--json` and returns its output lines. */
async function cliText(env: NodeJS.ProcessEnv, ...args: string[]): Promise<string[]> {
  const result = await cli(env, ...args);
  expect(result, result.stderr).toMatchObject({ code: 0 });
  return result.stdout.trim().split('\n');
}

interface Server {
  child: ChildProcess;
  url: string;
  output(): string;
  stop(): Promise<number | null>;
}

/** Starts `main.ts` and waits for its "listening" line and a healthy /healthz. */
async function startServer(env: NodeJS.ProcessEnv): Promise<Server> {
  const child = start(MAIN, [], env);
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start in 90 s:\n${output}`)), 90_000);
    const onData = (chunk: string) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)\/graphql/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.setEncoding('utf8').on('data', onData);
    child.stderr!.setEncoding('utf8').on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}) before listening:\n${output}`));
    });
  });
  const health = await fetch(`${url}/healthz`);
  expect(await health.json()).toEqual({ status: 'ok' });
  return {
    child,
    url,
    output: () => output,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

afterAll(() => {
  for (const child of children) {
    if (child.pid && child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
  }
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * A new data folder holding the run's migrated snapshot when there is one (initdb of a new folder
 * takes seconds); else an empty folder, which the first server or `migrate` fills.
 */
async function migratedDataDir(prefix: string): Promise<string> {
  const dataDir = tempDir(prefix);
  const snapshot = inject('pgliteSnapshot');
  if (snapshot) {
    const pglite = new PGlite(join(dataDir, 'pg'), { loadDataDir: new Blob([readFileSync(snapshot)]) });
    await pglite.waitReady;
    await pglite.close();
  }
  return dataDir;
}

describe('operator CLI on the embedded database', () => {
  // One data folder for this whole block: initdb of a new folder takes seconds. The run's migrated
  // snapshot is unpacked into it when there is one; else the first command creates the folder.
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  const product = `cli-${unique()}`;
  const email = `buyer-${unique()}@example.com`;
  let newestKid: string;

  beforeAll(async () => {
    dataDir = await migratedDataDir('slotkeeper-cli-');
    env = childEnv({ DATA_DIR: dataDir });
  });

  describe('without a server', () => {
    it('migrates, creates a product and issues licenses, printing JSON', async () => {
      expect(await cliJson(env, 'migrate')).toEqual({ applied: [] });

      const created = await cliJson(env, 'product', 'create', '--code', product, '--name', 'CLI Plug-in');
      expect(created).toMatchObject({ code: product, name: 'CLI Plug-in', leaseSeconds: null, remoteReleasesPerYear: 3 });
      expect(created.id).toMatch(UUID);

      const before = Date.now();
      const issued = await cliJson(env, 'license', 'issue', '--email', email, '--product', product, '--seats', '2', '--expires', '+30d');
      expect(issued.license).toMatchObject({ seats: 2, status: 'ACTIVE', product: { code: product } });
      expect(issued.license.id).toMatch(UUID);
      const expiresAt = Date.parse(issued.license.expiresAt);
      expect(expiresAt).toBeGreaterThanOrEqual(before + 30 * DAY - 1000);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + 30 * DAY);
      expect(issued.customer).toMatchObject({ email, created: true });
      expect(issued.password).toMatch(GENERATED_PASSWORD);

      // The same login again (in other case): same customer, no new password.
      const again = await cliJson(env, 'license', 'issue', '--email', email.toUpperCase(), '--product', product, '--seats', '1', '--expires', '2099-12-31');
      expect(again.customer).toEqual({ id: issued.customer.id, email, created: false, newToSeller: false });
      expect(again.password).toBeNull();
      expect(again.license).toMatchObject({ seats: 1, expiresAt: '2099-12-31T23:59:59.999Z' });
      expect(again.license.id).not.toBe(issued.license.id);
    });

    it('rotates the signing key, printing the new and the retired kid', async () => {
      const rotated = await cliJson(env, 'keys', 'rotate');
      expect(rotated.kid).toEqual(expect.any(String));
      expect(rotated.retiredKid).toEqual(expect.any(String));
      expect(rotated.kid).not.toBe(rotated.retiredKid);
      newestKid = rotated.kid;
    });

    it('prints the root public key as a JWKS to ship (no private part)', async () => {
      const root = await cliJson(env, 'keys', 'root');
      expect(root.keys).toEqual([expect.objectContaining({ kty: 'OKP', crv: 'Ed25519', kid: expect.any(String) })]);
      expect(root.keys[0].d).toBeUndefined();
    });

    it('seeds demo data, printing readable lines with a vendor admin login for the dashboard, and says which database', async () => {
      const result = await cli(env, 'seed');
      expect(result, result.stderr).toMatchObject({ code: 0 });
      const lines = result.stdout.trim().split('\n');
      expect(lines[0]).toBe('Demo product revit-demo.');
      expect(lines[1]).toMatch(/^License [0-9a-f-]{36}: 3 seat\(s\) of revit-demo, valid until \d{4}-\d{2}-\d{2}\.$/);
      expect(lines[2]).toBe('Login: demo@example.com (new customer)');
      expect(lines[3]).toMatch(new RegExp(`^Password: ${GENERATED_PASSWORD.source.slice(1)}`));
      expect(lines.slice(4, 6)).toEqual(['Dashboard: http://localhost:0/admin/', 'Staff login: admin@example.com (vendor admin)']);
      expect(lines[6]).toMatch(new RegExp(`^Staff password: ${GENERATED_PASSWORD.source.slice(1)}`));
      expect(lines).toHaveLength(7);
      expect(result.stderr).toContain(`(on the embedded database in ${dataDir} (DATA_DIR))`);

      // Seeding again changes nothing: both logins keep their passwords.
      const again = await cliJson(env, 'seed');
      expect(again).toMatchObject({ password: null, staff: { email: 'admin@example.com', role: 'VENDOR_ADMIN', password: null } });
    });

    it('refuses a data folder that holds no database and that no server runs on, and creates nothing there', async () => {
      const elsewhere = join(tempDir('slotkeeper-cli-none-'), 'data');
      const result = await cli(childEnv({ DATA_DIR: elsewhere }), 'license', 'issue', '--email', email, '--product', product, '--seats', '1', '--expires', '+1d');
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr.trim()).toBe(
        `Error: No Slotkeeper database in ${elsewhere} (DATA_DIR), and no server runs on it. Run the command where the server runs ` +
          '(or with its DATA_DIR or DATABASE_URL), or create a database there first: pnpm start, or pnpm cli migrate.',
      );
      expect(existsSync(elsewhere)).toBe(false);
    });

    it('adds a webhook endpoint printing its id and secret, lists, rotates and removes it', async () => {
      const refused = await cli(env, 'webhook', 'add', '--url', 'http://127.0.0.1:4799/hooks');
      expect(refused.code).toBe(1);
      expect(refused.stderr.trim()).toMatch(/^Error \(URL_NOT_ALLOWED\): 127\.0\.0\.1 resolves to 127\.0\.0\.1, a loopback/);

      const local = { ...env, WEBHOOK_ALLOW_PRIVATE: '1' };
      const added = await cliJson(local, 'webhook', 'add', '--url', 'http://127.0.0.1:4799/hooks', '--events', 'license.created,activation.released');
      expect(added).toEqual({ id: expect.stringMatching(UUID), secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/), url: 'http://127.0.0.1:4799/hooks', events: ['license.created', 'activation.released'] });
      const listed = await cliText(env, 'webhook', 'list');
      expect(listed).toContain(`${added.id}  OK        http://127.0.0.1:4799/hooks  license.created,activation.released`);
      const rotated = await cliJson(env, 'webhook', 'rotate-secret', added.id);
      expect(rotated.secret).toMatch(/^whsec_/);
      expect(rotated.secret).not.toBe(added.secret);
      expect(await cliText(env, 'webhook', 'remove', added.id)).toEqual([`Webhook endpoint ${added.id} removed.`]);
      expect((await cliText(env, 'webhook', 'list')).join('\n')).not.toContain(added.id);
    });

    it('exits 1 with a clear message on a domain failure', async () => {
      const result = await cli(env, 'license', 'issue', '--email', email, '--product', 'no-such-product', '--seats', '1', '--expires', '+1d');
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe('Error (NOT_FOUND): There is no product "no-such-product".');
      expect(result.stdout).toBe('');
    });

    it('exits 2 with the usage for an unknown command', async () => {
      const result = await cli(env, 'frobnicate', '--now');
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('Unknown command: frobnicate');
      expect(result.stdout).toContain('Usage: pnpm cli <command> [options] [--json]');
      for (const usage of ['migrate', 'product create --code CODE --name NAME', 'license issue --email EMAIL --product CODE', 'keys rotate', 'seed']) {
        expect(result.stdout).toContain(`  ${usage}`);
      }
      expect(existsSync(join(dataDir, 'slotkeeper.lock'))).toBe(false);
    });
  });

  describe('beside a running server on the same data folder', () => {
    let server: Server | undefined;
    const serverProduct = `srv-${unique()}`;
    const buyer = `srv-buyer-${unique()}@example.com`;
    let issued: any;

    afterAll(async () => {
      if (server && server.child.exitCode === null) await server.stop();
    });

    it('runs the commands through the server, whose customers can then activate over HTTP', async () => {
      server = await startServer(env);
      const lock = JSON.parse(readFileSync(join(dataDir, 'slotkeeper.lock'), 'utf8'));
      expect(lock).toMatchObject({ role: 'server', pid: server.child.pid, socket: join(dataDir, 'operator.sock') });
      expect(existsSync(lock.socket)).toBe(true);

      // Independent commands at once (each CLI process is its own socket client). Readable output
      // crosses the socket as a JSON result, dates as strings; errors keep their exit codes.
      const [created, rotated, usage, duplicate] = await Promise.all([
        cli(env, 'product', 'create', '--code', serverProduct, '--name', 'Served', '--lease-days', '7', '--remote-releases', '2'),
        cli(env, 'keys', 'rotate'),
        cli(env, 'license', 'issue', '--email', buyer, '--product', serverProduct, '--seats', '2'),
        cli(env, 'product', 'create', '--code', product, '--name', 'Again', '--json'),
      ]);
      expect(created).toMatchObject({ code: 0, stdout: `Product ${serverProduct} "Served": 7d lease, 2 remote releases a year.\n` });
      expect(rotated, rotated.stderr).toMatchObject({ code: 0 });
      const [, kid, retired] =
        /^New signing key (\S+)\. Key (\S+) is retired and stays in the JWKS while its tokens are valid\.\n$/.exec(rotated.stdout) ?? [];
      expect(retired).toBe(newestKid);
      expect(kid).not.toBe(newestKid);
      newestKid = kid!;
      expect(usage).toMatchObject({ code: 2, stdout: '', stderr: 'Error (USAGE): --expires is required.\n' });
      expect(duplicate).toMatchObject({ code: 1, stderr: '' });
      expect(JSON.parse(duplicate.stdout)).toEqual({ error: { code: 'INVALID_INPUT', message: `A product "${product}" already exists.` } });

      issued = await cliJson(env, 'license', 'issue', '--email', buyer, '--product', serverProduct, '--seats', '2', '--expires', '+10d');
      expect(issued.customer).toMatchObject({ email: buyer, created: true });
      expect(issued.password).toMatch(GENERATED_PASSWORD);

      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: ACTIVATE, variables: { input: machine({ email: buyer, password: issued.password, product: serverProduct }, 'fp-cli-1') } }),
      });
      const { data, errors } = (await response.json()) as any;
      expect(errors).toBeUndefined();
      expect(data.activateMachine).toMatchObject({
        __typename: 'ActivateMachineSuccess',
        license: { id: issued.license.id, seats: 2, seatsUsed: 1 },
        activation: { machineName: 'PC-fp-cli-1', osUser: 'alice' },
      });
      // Signed with the key the CLI rotated in through the server, at once.
      expect(decodeProtectedHeader(data.activateMachine.token)).toMatchObject({ alg: 'EdDSA', typ: 'slot+jwt', kid: newestKid });
      expect(server.child.exitCode).toBeNull();
    });

    it('refuses a second server on the same data folder with a clear message', async () => {
      const second = await run(MAIN, [], env);
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`The data folder ${dataDir} is in use by a Slotkeeper server (pid ${server!.child.pid})`);
      expect(second.stdout).not.toContain('listening');
      // The first one is untouched and still serves.
      expect((await fetch(`${server!.url}/healthz`)).status).toBe(200);
      expect(JSON.parse(readFileSync(join(dataDir, 'slotkeeper.lock'), 'utf8')).pid).toBe(server!.child.pid);
    });

    it('stops on SIGTERM, releasing the folder: the CLI then works on the same data directly', async () => {
      expect(await server!.stop()).toBe(0);
      expect(server!.output()).toContain('SIGTERM: shutting down');
      expect(existsSync(join(dataDir, 'slotkeeper.lock'))).toBe(false);
      expect(existsSync(join(dataDir, 'operator.sock'))).toBe(false);

      // The product and the customer created through the server are on disk.
      const lines = await cliText(env, 'license', 'issue', '--email', buyer, '--product', serverProduct, '--seats', '3', '--expires', '2099-01-31');
      expect(lines).toHaveLength(3);
      expect(lines[0]).toMatch(new RegExp(`^License [0-9a-f-]{36}: 3 seat\\(s\\) of ${serverProduct}, valid until 2099-01-31\\.$`));
      expect(lines.slice(1)).toEqual([`Login: ${buyer}`, 'Password: unchanged (existing customer)']);
      expect(existsSync(join(dataDir, 'slotkeeper.lock'))).toBe(false);
    });
  });
});

describe('first run: server, then seed', () => {
  let server: Server | undefined;
  let seededStaff: { email: string; password: string } | undefined;

  afterAll(async () => {
    if (server && server.child.exitCode === null) await server.stop();
  });

  it("seeds (--json) a vendor admin whose login the running server's admin API accepts", async () => {
    const dataDir = await migratedDataDir('slotkeeper-cli-first-');
    const env = childEnv({ DATA_DIR: dataDir });
    server = await startServer(env);
    const seeded = await cliJson(env, 'seed');
    expect(seeded.staff).toEqual({ email: 'admin@example.com', role: 'VENDOR_ADMIN', password: expect.stringMatching(GENERATED_PASSWORD) });
    expect(seeded.dashboard).toMatch(/^http:\/\/localhost:0\/admin\/$/);
    seededStaff = seeded.staff;

    const gql = async (query: string, variables: object, token?: string) => {
      const response = await fetch(`${server!.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return ((await response.json()) as any).data;
    };
    const { staffLogIn } = await gql(
      'mutation($i: StaffLogInInput!) { staffLogIn(input: $i) { __typename ... on StaffLogInSuccess { token } } }',
      { i: { email: seeded.staff.email, password: seeded.staff.password } },
    );
    expect(staffLogIn).toMatchObject({ __typename: 'StaffLogInSuccess', token: expect.any(String) });
    expect((await gql('{ viewer { email role } }', {}, staffLogIn.token)).viewer).toEqual({ email: 'admin@example.com', role: 'VENDOR_ADMIN' });

    // Readable output names the database, reached through the server.
    const again = await cli(env, 'seed');
    expect(again.stdout).toContain('Staff password: unchanged (seeded before)');
    expect(again.stderr).toContain(`(on the embedded database in ${dataDir} (DATA_DIR), through the server (pid ${server.child.pid}))`);
  });

  // The README's quick start in Chromium: the login `seed` printed opens the dashboard the server serves.
  it.skipIf(!existsSync(CHROMIUM))('the seeded login opens the dashboard in Chromium', async () => {
    expect(seededStaff, 'the seed test above ran').toBeDefined();
    ensureBuilt({ quiet: true });
    const browser = await launchBrowser();
    try {
      // openDashboard logs in on /admin/ and waits for the home page's "Seats sold".
      const { page, errors } = await openDashboard(browser, server!.url, seededStaff!);
      await page.getByText('admin@example.com').first().waitFor();
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});

const runDatabaseUrl = workerDatabaseUrl();

describe.skipIf(!runDatabaseUrl)('operator CLI on PostgreSQL (DATABASE_URL)', () => {
  // Its own schema beside the run's (named after it, dropped at the end): the run's schema holds a
  // signing key encrypted with another test process's key-encryption key, which this CLI (its KEK
  // in its own DATA_DIR) cannot decrypt, so every command would fail at start.
  let url: URL;
  let schema: string;
  let env: NodeJS.ProcessEnv;
  let dataDir: string;

  beforeAll(() => {
    url = new URL(runDatabaseUrl!);
    schema = `${url.searchParams.get('schema') ?? 'public'}_cli`;
    url.searchParams.set('schema', schema);
    dataDir = tempDir('slotkeeper-cli-pg-');
    env = childEnv({ DATA_DIR: dataDir, DATABASE_URL: url.toString() });
  });

  afterAll(async () => {
    if (!schema) return;
    const base = new URL(url);
    base.searchParams.delete('schema');
    const client = new pg.Client({ connectionString: base.toString() });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema.replaceAll('"', '""')}" CASCADE`);
    await client.end();
  });

  it('migrates the schema, creates a product, issues licenses and rotates keys there', async () => {
    const product = `pg-${unique()}`;
    const email = `pg-buyer-${unique()}@example.com`;
    // Three processes start on the new, empty schema at once, as scaled-out instances would: the
    // migration and the first signing key are each made once, under their advisory locks.
    const [migrated, created, rotated] = await Promise.all([
      cliText(env, 'migrate'),
      cliJson(env, 'product', 'create', '--code', product, '--name', 'On PostgreSQL'),
      cliJson(env, 'keys', 'rotate'),
    ]);
    // Each process migrates before its command runs: nothing is left for `migrate` itself.
    expect(migrated).toEqual(['The database is up to date.']);
    expect(created).toMatchObject({ code: product, name: 'On PostgreSQL' });
    expect(rotated.retiredKid).toEqual(expect.any(String));

    const issued = await cliJson(env, 'license', 'issue', '--email', email, '--product', product, '--seats', '5', '--expires', '+365d');
    expect(issued.customer).toMatchObject({ email, created: true });
    expect(issued.password).toMatch(GENERATED_PASSWORD);

    // The rows are in that schema of the PostgreSQL database, and no embedded database was made.
    const base = new URL(url);
    base.searchParams.delete('schema');
    const client = new pg.Client({ connectionString: base.toString() });
    await client.connect();
    try {
      const q = `"${schema}"`;
      const { rows } = await client.query(
        `SELECT l.seats, c.email FROM ${q}."License" l JOIN ${q}."Customer" c ON c.id = l."customerId" JOIN ${q}."Product" p ON p.id = l."productId" WHERE p.code = $1`,
        [product],
      );
      expect(rows).toEqual([{ seats: 5, email }]);
      const keys = await client.query(`SELECT kid, "retiredAt" IS NULL AS active FROM ${q}."SigningKey" ORDER BY "createdAt"`);
      expect(keys.rows).toEqual([
        { kid: rotated.retiredKid, active: false },
        { kid: rotated.kid, active: true },
      ]);
    } finally {
      await client.end();
    }
    expect(existsSync(join(dataDir, 'pg'))).toBe(false);
    expect(existsSync(join(dataDir, 'slotkeeper.lock'))).toBe(false);
  });
});
