import { existsSync, rmSync } from 'node:fs';
import { type Server, createServer, request } from 'node:http';
import { DomainError } from '@slotkeeper/schema/services/errors';
import type { App } from './app.ts';
import { migrate } from './migrate.ts';

export type Args = Record<string, string | undefined>;

export interface Command {
  usage: string;
  run(app: App, args: Args): Promise<unknown>;
  /** Readable output; `--json` prints the result as JSON instead. */
  text(result: never): string;
}

export class UsageError extends Error {}

function required(args: Args, name: string): string {
  const value = args[name];
  if (value === undefined || value === '') throw new UsageError(`--${name} is required.`);
  return value;
}

function optionalInt(args: Args, name: string): number | undefined {
  const raw = args[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new UsageError(`--${name} must be a whole number.`);
  return value;
}

/** `2027-12-31`, an ISO instant, or `+365d` (days from now). */
export function parseExpiry(raw: string, now = new Date()): Date {
  const relative = /^\+(\d{1,5})d$/.exec(raw);
  if (relative) return new Date(now.getTime() + Number(relative[1]) * 86_400_000);
  const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(raw) ? `${raw}T23:59:59.999Z` : raw);
  if (Number.isNaN(date.getTime())) throw new UsageError('--expires must be a date (2027-12-31) or +DAYSd (+365d).');
  return date;
}

const day = (date: Date | string) => new Date(date).toISOString().slice(0, 10);

type Issued = Awaited<ReturnType<App['services']['licenses']['issue']>>;

function issuedText(result: Issued): string {
  const { license, customer, password } = result;
  return [
    `License ${license.id}: ${license.seats} seat(s) of ${license.product.code}, valid until ${day(license.expiresAt)}.`,
    `Login: ${customer.email}${customer.created ? ' (new customer)' : ''}`,
    password ? `Password: ${password}` : 'Password: unchanged (existing customer)',
  ].join('\n');
}

export const commands: Record<string, Command> = {
  migrate: {
    usage: 'migrate',
    run: (app) => migrate(app.database),
    text: (result: { applied: string[] }) =>
      result.applied.length ? `Applied: ${result.applied.join(', ')}` : 'The database is up to date.',
  },
  'product create': {
    usage: 'product create --code CODE --name NAME [--lease-days N] [--remote-releases N]',
    run: (app, args) =>
      app.services.licenses.createProduct({
        code: required(args, 'code'),
        name: required(args, 'name'),
        leaseDays: optionalInt(args, 'lease-days') ?? null,
        remoteReleasesPerYear: optionalInt(args, 'remote-releases'),
      }),
    text: (p: { code: string; name: string; leaseDays: number | null; remoteReleasesPerYear: number }) =>
      `Product ${p.code} "${p.name}": ${p.leaseDays ? `${p.leaseDays}-day lease` : 'token until license expiry'}, ${p.remoteReleasesPerYear} remote releases a year.`,
  },
  'license issue': {
    usage: 'license issue --email EMAIL --product CODE --seats N --expires DATE|+DAYSd [--reseller NAME]',
    run: (app, args) =>
      app.services.licenses.issue({
        email: required(args, 'email'),
        product: required(args, 'product'),
        seats: optionalInt(args, 'seats') ?? Number.NaN,
        expiresAt: parseExpiry(required(args, 'expires')),
        reseller: args.reseller,
      }),
    text: issuedText,
  },
  'keys rotate': {
    usage: 'keys rotate',
    run: (app) => app.services.signer.rotate(),
    text: (r: { kid: string; retiredKid: string | null }) =>
      `New signing key ${r.kid}.${r.retiredKid ? ` Key ${r.retiredKid} is retired and stays in the JWKS while its tokens are valid.` : ''}`,
  },
  seed: {
    usage: 'seed',
    async run(app) {
      const code = 'revit-demo';
      const existing = await app.database.prisma.product.findUnique({ where: { code } });
      const product =
        existing ??
        (await app.services.licenses.createProduct({ code, name: 'Demo Revit Plug-in', leaseDays: null, remoteReleasesPerYear: 3 }));
      const email = 'demo@example.com';
      const seeded = await app.database.prisma.license.findFirst({
        where: { productId: product.id, customer: { email } },
        include: { product: true, customer: true },
      });
      // Seeding twice changes nothing: the demo login keeps its license and password.
      const issued = seeded
        ? { license: seeded, customer: { id: seeded.customerId, email, created: false }, password: null }
        : await app.services.licenses.issue({ email, product: code, seats: 3, expiresAt: new Date(Date.now() + 365 * 86_400_000) });
      const { customer: _customer, ...license } = issued.license as typeof issued.license & { customer?: unknown };
      return { product: { code: product.code, name: product.name }, ...issued, license };
    },
    text: (r: Issued & { product: { code: string } }) => `Demo product ${r.product.code}.\n${issuedText(r)}`,
  },
};

export function findCommand(words: string[]): { name: string; command: Command } | null {
  for (const length of [2, 1]) {
    const name = words.slice(0, length).join(' ');
    const command = commands[name];
    if (command && words.length === length) return { name, command };
  }
  return null;
}

export interface CommandOutcome {
  ok: boolean;
  result?: unknown;
  error?: { code: string; message: string };
}

export async function runCommand(app: App, name: string, args: Args): Promise<CommandOutcome> {
  const command = commands[name];
  if (!command) return { ok: false, error: { code: 'USAGE', message: `Unknown command "${name}".` } };
  try {
    return { ok: true, result: await command.run(app, args) };
  } catch (error) {
    if (error instanceof UsageError) return { ok: false, error: { code: 'USAGE', message: error.message } };
    if (error instanceof DomainError) return { ok: false, error: { code: error.code, message: error.message } };
    throw error;
  }
}

/** The server's side: operator commands over a Unix socket inside the data folder (its permissions guard it). */
export async function serveOperatorSocket(app: App, socketPath: string): Promise<Server> {
  if (existsSync(socketPath)) rmSync(socketPath);
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    let outcome: CommandOutcome;
    try {
      const { command, args } = JSON.parse(body) as { command: string; args: Args };
      outcome = await runCommand(app, command, args ?? {});
    } catch (error) {
      console.error('operator command failed', error);
      outcome = { ok: false, error: { code: 'INTERNAL', message: 'The command failed; see the server log.' } };
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(outcome));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  return server;
}

/** The CLI's side: sends one command to the running server. */
export function callOperatorSocket(socketPath: string, command: string, args: Args): Promise<CommandOutcome> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: '/run', method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body) as CommandOutcome);
        } catch (error) {
          reject(error);
        }
      });
    });
    req.on('error', reject);
    req.end(JSON.stringify({ command, args }));
  });
}
