// `slotkeeper`: the SDK as a command line, for plug-ins that cannot load it (a C# plug-in runs this
// with --json and switches on the exit code) and for support staff at a user's machine.
import { existsSync, readFileSync } from 'node:fs';
import { homedir, platform } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { JSONWebKeySet } from 'jose';
import type { CheckResult, CheckStatus } from './check.ts';
import { type LicenseSummary, type OnlineOutcome, type SlotkeeperClient, createClient } from './client.ts';
import { SlotkeeperError } from './error.ts';
import { askSecret } from './prompt.ts';
import { storedServer } from './storage.ts';

class UsageError extends Error {}

const HELP = `slotkeeper — activate and check a Slotkeeper license on this machine

Usage: slotkeeper [global options] <command> [options]

Commands:
  activate --email EMAIL --product CODE [--borrow DURATION]
                                          take a slot for this machine (asks for the password);
                                          --borrow 7d: a token valid that long (travel), up to the
                                          product's maximum (durations Ns, Nm, Nh, Nd)
  status [--online]                       check the license offline (--online: renew, fetch keys, compare clocks)
  deactivate [--email EMAIL --product CODE]
                                          free this machine's slot (with a login when nothing is stored)
  licenses --email EMAIL                  the license manager: licenses, seats, who holds them
  release ACTIVATION_ID --email EMAIL     free the slot of a lost machine
  links                                   the activated product's vendor links
  heartbeat [--watch-stdin]               hold this machine's floating seat while running: renew the lease
                                          in the background, deactivate on SIGINT/SIGTERM/SIGHUP (and, with
                                          --watch-stdin, when standard input closes: run by a plug-in, the
                                          seat goes with it, even when it crashes); one line per event
  password reset --email EMAIL            e-mail a reset code
  password reset --code CODE              set a new password with that code
  password change --email EMAIL           change the password (asks for the current and the new one)

Global options (else the environment variable, else the config file's field, in brackets):
  --server URL             license server                     SLOTKEEPER_SERVER          (server)
  --proxy HOST[:PORT]|URL  HTTP proxy                         SLOTKEEPER_PROXY           (proxy)
  --proxy-user NAME        proxy login                        SLOTKEEPER_PROXY_USER      (proxyUser)
  --proxy-password PASS    proxy password                     SLOTKEEPER_PROXY_PASSWORD  (proxyPassword)
  --storage DIR            where the activation is kept       SLOTKEEPER_STORAGE         (storage)
  --product CODE           the product this machine checks    SLOTKEEPER_PRODUCT         (product)
  --config FILE            JSON config file                   SLOTKEEPER_CONFIG
  --json                   print JSON on stdout instead of text

Set by the plug-in that runs this, on the command line only (never from the environment or the
config file, which the machine's user can change):
  --keys FILE              the vendor's signing keys (JWKS) shipped with the plug-in
  --root-keys FILE         the vendor's root keys (JWKS, from \`pnpm cli keys root\`): signing keys the
                           server rotates in are trusted only in a key list one of them signed
  --fingerprint VALUE      replaces the computed fingerprint (a plug-in that computes its own)
Without --keys and --root-keys no token verifies.

Passwords are asked without echo, or read one per line from standard input, or from
SLOTKEEPER_PASSWORD (the login's password).

Exit codes: 0 done / VALID, 1 refused by the server (the message says why), 2 usage,
3 server unreachable or failing, 4 proxy problem; status: 10 NOT_ACTIVATED, 11 EXPIRED,
12 NOT_YET_VALID, 13 WRONG_PRODUCT, 14 WRONG_MACHINE, 15 BAD_SIGNATURE, 16 CLOCK_TAMPERED.`;

export const STATUS_EXIT: Record<CheckStatus, number> = {
  VALID: 0,
  NOT_ACTIVATED: 10,
  EXPIRED: 11,
  NOT_YET_VALID: 12,
  WRONG_PRODUCT: 13,
  WRONG_MACHINE: 14,
  BAD_SIGNATURE: 15,
  CLOCK_TAMPERED: 16,
};

function errorExit(error: SlotkeeperError): number {
  if (error.code.startsWith('PROXY_')) return 4;
  if (error.isNetworkError) return 3;
  if (error.code === 'NOT_ACTIVATED') return STATUS_EXIT.NOT_ACTIVATED;
  return 1;
}

const OPTIONS = {
  server: { type: 'string' },
  proxy: { type: 'string' },
  'proxy-user': { type: 'string' },
  'proxy-password': { type: 'string' },
  storage: { type: 'string' },
  keys: { type: 'string' },
  'root-keys': { type: 'string' },
  product: { type: 'string' },
  fingerprint: { type: 'string' },
  config: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  email: { type: 'string' },
  code: { type: 'string' },
  online: { type: 'boolean' },
  'watch-stdin': { type: 'boolean' },
  borrow: { type: 'string' },
} as const;

interface Settings {
  server?: string;
  proxy?: string;
  proxyUser?: string;
  proxyPassword?: string;
  storage?: string;
  product?: string;
}

/** Per user, where such programs keep their data on each system. */
function defaultDir(): string {
  if (platform() === 'win32') return join(process.env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'Slotkeeper');
  if (platform() === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Slotkeeper');
  return join(process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'slotkeeper');
}

function readConfigFile(path: string | undefined): Settings {
  const file = path ?? join(defaultDir(), 'config.json');
  if (!path && !existsSync(file)) return {};
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
    return parsed as Settings;
  } catch (error) {
    throw new UsageError(`The config file ${file} cannot be read: ${(error as Error).message}.`);
  }
}

function readKeys(file: string | undefined, option: string): JSONWebKeySet | undefined {
  if (!file) return undefined;
  try {
    const jwks = JSON.parse(readFileSync(file, 'utf8')) as JSONWebKeySet;
    if (!Array.isArray(jwks?.keys)) throw new Error('no "keys" array');
    return jwks;
  } catch (error) {
    throw new UsageError(`The ${option} file ${file} is not a JWKS: ${(error as Error).message}.`);
  }
}

type Values = ReturnType<typeof parse>['values'];

function parse(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

const UNIT_SECONDS = { s: 1, m: 60, h: 3_600, d: 86_400 } as const;

/** `90s`, `30m`, `12h`, `7d` in seconds. */
function parseDuration(option: string, text: string): number {
  const match = /^(\d{1,9})([smhd])$/.exec(text.trim());
  const seconds = match ? Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS] : 0;
  if (!match || seconds <= 0 || seconds > 2 ** 31 - 1) {
    throw new UsageError(`--${option} takes a duration such as 90s, 30m, 12h or 7d, not "${text}".`);
  }
  return seconds;
}

function required(name: 'email' | 'product', value: string | undefined): string {
  if (!value) throw new UsageError(`--${name} is required.`);
  return value;
}

async function secret(label: string, env?: string): Promise<string> {
  if (env && process.env[env]) return process.env[env]!;
  const value = await askSecret(label);
  if (value === null) throw new UsageError(`${label} is needed: type it at the prompt, or send it on standard input.`);
  return value;
}

const day = (date: Date) => date.toISOString().slice(0, 10);
const minute = (date: Date) => `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

function linkLines(links: Record<string, string | null>, indent = ''): string[] {
  return Object.entries(links)
    .filter(([, url]) => url)
    .map(([name, url]) => `${indent}${name[0]!.toUpperCase()}${name.slice(1)}: ${url}`);
}

function statusText(result: CheckResult & { online?: OnlineOutcome }): string {
  const lines = [`${result.status}: ${result.reason}`];
  const license = result.license;
  if (license) {
    lines.push(
      `Product: ${license.product.name} (${license.product.code})`,
      `Login: ${license.email}`,
      `License: ${license.licenseId}, ${license.seats} seat(s); this machine's slot: ${license.activationId}`,
      `Token valid until: ${minute(license.validUntil)}`,
      `Server: ${license.server}`,
    );
  }
  if (result.online) {
    lines.push(
      result.online.ok
        ? `Online: checked with the server${result.online.renewed ? '; the lease was renewed' : ''}.`
        : `Online: not checked (${result.online.error.code}) — ${result.online.error.message}`,
    );
  }
  return lines.join('\n');
}

function licensesText(licenses: LicenseSummary[]): string {
  if (licenses.length === 0) return 'This login has no licenses.';
  return licenses
    .map((l) =>
      [
        `${l.product.name} (${l.product.code}) — license ${l.id}: ${l.seatsUsed} of ${l.seats} seats used, ${l.status}, until ${day(l.expiresAt)}`,
        ...linkLines({ ...l.product.links }, '  '),
        ...l.activations.map(
          (a) =>
            `  • ${a.machineName} (${a.osUser}), activated ${minute(a.activatedAt)}, last seen ${minute(a.lastSeenAt)}${a.thisMachine ? ' [this machine]' : ''}\n    id: ${a.id}`,
        ),
      ].join('\n'),
    )
    .join('\n\n');
}

interface Done {
  result: unknown;
  text: string;
  exit: number;
  /** JSON on one line: the last of a stream of events. */
  line?: boolean;
}

interface Context {
  client: SlotkeeperClient;
  values: Values;
  /** Arguments after the command's words. */
  rest: string[];
  /** --product, else SLOTKEEPER_PRODUCT, else the config file's. */
  product: string | undefined;
  /** Prints one event of a long-running command, as a JSON line with --json. */
  say(event: Record<string, unknown>, text: string): void;
}

type Run = (context: Context) => Promise<Done>;

const ok = (result: unknown, text: string): Done => ({ result, text, exit: 0 });

const errorDone = (error: unknown): Done => {
  if (!(error instanceof SlotkeeperError)) throw error;
  return {
    result: { event: 'error', error: { code: error.code, message: error.message, ...error.details } },
    text: `Error (${error.code}): ${error.message}`,
    exit: errorExit(error),
    line: true,
  };
};

/**
 * `heartbeat`: until a signal (or the end of standard input) deactivates, or the server says the seat
 * is gone. The heartbeat's timers are unref'd, so this command holds the process itself.
 */
function holdSeat({ client, values, say }: Context): Promise<Done> {
  return new Promise<Done>((resolve, reject) => {
    const keepAlive = setInterval(() => {}, 1 << 30);
    let ended = false;
    const removeHandlers = client.deactivateOnExit({
      onExit: ({ signal, error }) => end(error, `on ${signal}`),
    });
    const onStdinEnd = () => {
      removeHandlers();
      client.close({ deactivate: true }).then(() => end(undefined, 'as standard input closed'), (error: unknown) => end(error, ''));
    };
    function end(error: unknown, why: string) {
      if (ended) return;
      ended = true;
      clearInterval(keepAlive);
      removeHandlers();
      process.stdin.off('end', onStdinEnd);
      process.stdin.pause();
      try {
        resolve(error === undefined ? { ...ok({ event: 'deactivated' }, `Deactivated ${why}: this machine's seat is free.`), line: true } : errorDone(error));
      } catch (unexpected) {
        reject(unexpected);
      }
    }
    if (values['watch-stdin']) {
      process.stdin.on('end', onStdinEnd);
      process.stdin.resume();
    }
    client
      .startHeartbeat({
        onRenewed: ({ activationId, validUntil, revived }) =>
          say(
            { event: 'renewed', activationId, validUntil, revived },
            `${revived ? 'Back on a seat (the lease had lapsed; a new activation)' : 'Renewed'}: valid until ${minute(validUntil)}.`,
          ),
        onRetry: ({ error, attempt, retryInMs, tokenValid }) =>
          say(
            { event: 'retry', code: error.code, message: error.message, attempt, retryInMs, tokenValid },
            `Not renewed (${error.code}): ${error.message} Trying again in ${Math.ceil(retryInMs / 1000)} s${tokenValid ? '; the token is still valid' : ''}.`,
          ),
        onLost: (error) => end(error, ''),
      })
      .then(
        (beat) =>
          beat.running &&
          say({ event: 'started' }, 'Holding this machine\'s seat; Ctrl-C (or SIGTERM) deactivates it.'),
        (error: unknown) => end(error, ''),
      );
  });
}

const login = async (values: Values) => ({
  email: required('email', values.email),
  password: await secret('Password', 'SLOTKEEPER_PASSWORD'),
});

/** `online: false`: the command makes no request (works without a server). */
const COMMANDS: Record<string, { online: boolean; run: Run }> = {
  activate: {
    online: true,
    async run({ client, values, product: code }) {
      const borrowSeconds = values.borrow === undefined ? undefined : parseDuration('borrow', values.borrow);
      const credentials = await login(values);
      const activated = await client.activate({ ...credentials, product: required('product', code), borrowSeconds });
      const { license, product } = activated;
      return {
        result: activated,
        text: [
          `Activated this machine for ${product.name} (${product.code}): ${license.seatsUsed} of ${license.seats} seats used; license until ${day(license.expiresAt)}.`,
          statusText(activated.check),
        ].join('\n'),
        exit: STATUS_EXIT[activated.check.status],
      };
    },
  },
  status: {
    online: false,
    async run({ client, values }) {
      const result = await client.check({ online: values.online ?? false });
      return { result, text: statusText(result), exit: STATUS_EXIT[result.status] };
    },
  },
  deactivate: {
    online: true,
    async run({ client, values, product }) {
      const withLogin = values.email ? { ...(await login(values)), product: required('product', product) } : undefined;
      const usage = await client.deactivate(withLogin);
      return ok(usage, `Deactivated: this machine's slot is free (${usage.seatsUsed} of ${usage.seats} seats used).`);
    },
  },
  licenses: {
    online: true,
    async run({ client, values }) {
      const licenses = await client.licenses(await login(values));
      return ok(licenses, licensesText(licenses));
    },
  },
  release: {
    online: true,
    async run({ client, values, rest }) {
      const [activationId] = rest;
      if (!activationId || rest.length > 1) throw new UsageError('release takes one ACTIVATION_ID (see `slotkeeper licenses`).');
      const usage = await client.release(activationId, await login(values));
      return ok(usage, `Released ${activationId}: ${usage.seatsUsed} of ${usage.seats} seats used.`);
    },
  },
  links: {
    online: false,
    async run({ client }) {
      const product = await client.product();
      if (!product) return { result: null, text: 'This machine is not activated.', exit: STATUS_EXIT.NOT_ACTIVATED };
      const lines = linkLines({ ...product.links });
      return ok(product, [`${product.name} (${product.code})`, ...(lines.length ? lines : ['No links.'])].join('\n'));
    },
  },
  heartbeat: { online: true, run: holdSeat },
  'password reset': {
    online: true,
    async run({ client, values }) {
      if (values.code) {
        const newPassword = await secret('New password');
        const newPasswordRepeat = await secret('Repeat the new password');
        await client.resetPassword({ code: values.code, newPassword, newPasswordRepeat });
        return ok({ ok: true }, 'The password is set; use it from now on.');
      }
      const email = required('email', values.email);
      await client.requestPasswordReset(email);
      return ok(
        { ok: true },
        `If ${email} is a login, a reset code is on its way by e-mail. Then run: slotkeeper password reset --code CODE`,
      );
    },
  },
  'password change': {
    online: true,
    async run({ client, values }) {
      const email = required('email', values.email);
      const currentPassword = await secret('Current password', 'SLOTKEEPER_PASSWORD');
      const newPassword = await secret('New password');
      const newPasswordRepeat = await secret('Repeat the new password');
      await client.changePassword({ email, currentPassword, newPassword, newPasswordRepeat });
      return ok({ ok: true }, 'The password is changed; a confirmation e-mail is on its way.');
    },
  },
};

function findCommand(positionals: string[]): { name: string; rest: string[] } | null {
  const two = positionals.slice(0, 2).join(' ');
  if (COMMANDS[two]) return { name: two, rest: positionals.slice(2) };
  const one = positionals[0];
  if (one && COMMANDS[one]) return { name: one, rest: positionals.slice(1) };
  return null;
}

/** A bad server or proxy address is the user's to fix: a usage error, not a crash. */
function configured(create: () => SlotkeeperClient): SlotkeeperClient {
  try {
    return create();
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(error.message);
    throw error;
  }
}

async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const fail = (code: string, message: string, exit: number, details: Record<string, unknown> = {}) => {
    if (json) console.log(JSON.stringify({ error: { code, message, ...details } }, null, 2));
    else console.error(`Error (${code}): ${message}`);
    return exit;
  };
  let client: SlotkeeperClient | null = null;
  try {
    const { values, positionals } = parse(argv);
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const found = findCommand(positionals);
    if (!found) throw new UsageError(positionals.length ? `Unknown command: ${positionals.join(' ')}` : 'No command given.');
    const command = COMMANDS[found.name]!;
    if (found.name !== 'release' && found.rest.length) throw new UsageError(`Unexpected argument: ${found.rest.join(' ')}`);

    const file = readConfigFile(values.config ?? process.env.SLOTKEEPER_CONFIG);
    const env = process.env;
    const storage = values.storage ?? env.SLOTKEEPER_STORAGE ?? file.storage ?? defaultDir();
    const server = values.server ?? env.SLOTKEEPER_SERVER ?? file.server ?? storedServer(storage);
    if (!server && command.online) throw new UsageError('No license server: give --server URL (or SLOTKEEPER_SERVER).');
    const product = values.product ?? env.SLOTKEEPER_PRODUCT ?? file.product;
    client = configured(() => createClient({
      // Offline commands make no request: the address is only a placeholder when none is known.
      serverUrl: server ?? 'http://localhost/',
      proxy: {
        server: values.proxy ?? env.SLOTKEEPER_PROXY ?? file.proxy,
        login: values['proxy-user'] ?? env.SLOTKEEPER_PROXY_USER ?? file.proxyUser,
        password: values['proxy-password'] ?? env.SLOTKEEPER_PROXY_PASSWORD ?? file.proxyPassword,
      },
      storageDir: storage,
      // Trust anchors and the fingerprint: from the plug-in's own command line only (see HELP).
      publicKeys: readKeys(values.keys, '--keys'),
      rootKeys: readKeys(values['root-keys'], '--root-keys'),
      product,
      fingerprint: values.fingerprint,
    }));
    const say = (event: Record<string, unknown>, text: string) => console.log(json ? JSON.stringify(event) : text);
    const done = await command.run({ client, values, rest: found.rest, product, say });
    console.log(json ? JSON.stringify(done.result, null, done.line ? undefined : 2) : done.text);
    return done.exit;
  } catch (error) {
    if (error instanceof UsageError) {
      return fail('USAGE', `${error.message}\nRun slotkeeper --help for the commands and options.`, 2);
    }
    if (error instanceof SlotkeeperError) return fail(error.code, error.message, errorExit(error), error.details);
    throw error;
  } finally {
    await client?.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
