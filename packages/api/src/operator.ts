import { existsSync, rmSync } from 'node:fs';
import { type Server, createServer, request } from 'node:http';
import { DomainError } from '@slotkeeper/schema/services/errors';
import { formatDuration, parseDuration } from '@slotkeeper/schema/services/duration';
import type { TokenAlg } from '@slotkeeper/schema/services/signing-key';
import type { App } from './app.ts';
import { migrate } from './migrate.ts';

export type Args = Record<string, string | undefined>;

export interface Command {
  usage: string;
  /** An option that may also be given as a bare word after the command (`mail show ID`). */
  positional?: string;
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

/** `--NAME 30m|12h|7d|none` in seconds (null: none); undefined when not given. */
/** `--status` and `--limit` of a newest-first listing: 50 rows unless asked, 1000 at the most. */
function newestFirst<F extends string>(args: Args, at: F) {
  const take = Math.min(optionalInt(args, 'limit') ?? 50, 1000);
  return { where: args.status ? { status: args.status.toUpperCase() } : {}, orderBy: { [at]: 'desc' } as Record<F, 'desc'>, take };
}

/** One line per row, or what to say when there are none. */
function lines<R>(rows: R[], line: (row: R) => string, none: string): string {
  return rows.length ? rows.map(line).join('\n') : none;
}

function optionalDuration(args: Args, name: string): number | null | undefined {
  const raw = args[name];
  if (raw === undefined) return undefined;
  try {
    return parseDuration(raw, `--${name}`);
  } catch (error) {
    throw error instanceof DomainError ? new UsageError(error.message) : error;
  }
}

/**
 * The seat policy options: `--lease DURATION|none` (or the older `--lease-days N|none`),
 * `--max-borrow DURATION|none`, `--overage PERCENT`, `--revival-window DURATION|none`.
 */
function seatPolicy(args: Args) {
  return {
    leaseSeconds: optionalDuration(args, 'lease'),
    leaseDays: args['lease-days'] === 'none' ? null : optionalInt(args, 'lease-days'),
    maxBorrowSeconds: optionalDuration(args, 'max-borrow'),
    overagePercent: optionalInt(args, 'overage'),
    revivalWindowSeconds: optionalDuration(args, 'revival-window'),
  };
}

const SEAT_POLICY_USAGE = '[--lease DURATION|none] [--lease-days N|none] [--max-borrow DURATION|none] [--overage PERCENT] [--revival-window DURATION|none]';

/** The link options as given; `--website ""` removes that link. */
function links(args: Args) {
  return { website: args.website, documentation: args.documentation, support: args.support, purchase: args.purchase };
}

/** `--token-alg` as given; the product service refuses anything but EdDSA or RS256. */
function tokenAlg(args: Args) {
  return args['token-alg'] as TokenAlg | undefined;
}

/** `--entitlements a,b` as a list (`""`: none); left out: undefined. */
function entitlements(args: Args): string[] | undefined {
  const raw = args.entitlements;
  if (raw === undefined) return undefined;
  return raw.split(',').map((code) => code.trim()).filter(Boolean);
}

/** `--trial 14d` in seconds, `--trial none` null; left out: undefined. */
function trial(args: Args): number | null | undefined {
  return optionalDuration(args, 'trial');
}

/** The settings `product create` and `product update` both take (PRODUCT_USAGE). */
function productSettings(args: Args) {
  return {
    ...seatPolicy(args),
    remoteReleasesPerYear: optionalInt(args, 'remote-releases'),
    tokenAlg: tokenAlg(args),
    entitlements: entitlements(args),
    trialSeconds: trial(args),
    links: links(args),
  };
}

const POLICY_USAGE = `${SEAT_POLICY_USAGE} [--entitlements CODE,CODE] [--trial DURATION|none]`;

const LINK_USAGE = '[--website URL] [--documentation URL] [--support URL] [--purchase URL]';

const PRODUCT_USAGE = `${POLICY_USAGE} [--remote-releases N] [--token-alg EdDSA|RS256] ${LINK_USAGE}`;

type ProductRow = {
  code: string;
  name: string;
  leaseSeconds: number | null;
  maxBorrowSeconds: number | null;
  overagePercent: number;
  revivalWindowSeconds: number | null;
  remoteReleasesPerYear: number;
  tokenAlg: string;
  entitlements: string[];
  trialSeconds: number | null;
  websiteUrl: string | null;
  documentationUrl: string | null;
  supportUrl: string | null;
  purchaseUrl: string | null;
};

function productText(p: ProductRow): string {
  const lines = [
    `Product ${p.code} "${p.name}": ${p.leaseSeconds ? `${formatDuration(p.leaseSeconds)} lease` : 'token until license expiry'}, ${p.remoteReleasesPerYear} remote releases a year.`,
  ];
  if (p.maxBorrowSeconds) lines.push(`Borrowing: up to ${formatDuration(p.maxBorrowSeconds)}`);
  if (p.overagePercent) lines.push(`Overage: ${p.overagePercent} %`);
  if (p.leaseSeconds && p.revivalWindowSeconds != null) lines.push(`Revival window: ${formatDuration(p.revivalWindowSeconds)}`);
  if (p.tokenAlg !== 'EdDSA') lines.push(`Tokens: ${p.tokenAlg}`);
  if (p.entitlements.length > 0) lines.push(`Entitlements: ${p.entitlements.join(', ')}`);
  if (p.trialSeconds != null) lines.push(`Trial: ${formatDuration(p.trialSeconds)}`);
  const shown: [string, string | null][] = [
    ['Website', p.websiteUrl],
    ['Documentation', p.documentationUrl],
    ['Support', p.supportUrl],
    ['Purchase', p.purchaseUrl],
  ];
  for (const [label, url] of shown) if (url) lines.push(`${label}: ${url}`);
  return lines.join('\n');
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
    ...(license.entitlements.length > 0 ? [`Entitlements: ${license.entitlements.join(', ')}`] : []),
    `Login: ${customer.email}${customer.created ? ' (new customer)' : ''}`,
    password ? `Password: ${password}` : 'Password: unchanged (existing customer)',
    ...(license.reseller ? [`Sold by reseller ${license.reseller.name}.`] : []),
    ...(result.repeated ? [`Order ${license.orderId} was issued before: this is its license; nothing was changed or e-mailed.`] : []),
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
    usage: `product create --code CODE --name NAME ${PRODUCT_USAGE}`,
    run: (app, args) =>
      app.services.products.create('operator', {
        code: required(args, 'code'),
        name: required(args, 'name'),
        ...productSettings(args),
      }),
    text: productText,
  },
  'product update': {
    usage:
      `product update --code CODE [--name NAME] ${PRODUCT_USAGE} ` +
      '[--stripe-price PRICE_ID [--seats-per-unit N]] [--remove-stripe-price PRICE_ID] [--license-duration DURATION|none] [--renewal-grace DURATION]',
    run: async (app, args) => {
      const price = args['stripe-price'];
      const removed = args['remove-stripe-price'];
      if (args['seats-per-unit'] !== undefined && !price) throw new UsageError('--seats-per-unit goes with --stripe-price.');
      const duration = args['license-duration'];
      const grace = args['renewal-grace'];
      const product = await app.services.products.update('operator', {
        code: required(args, 'code'),
        name: args.name,
        ...productSettings(args),
        licenseDurationSeconds: duration === undefined ? undefined : parseDuration(duration, 'licenseDuration'),
        renewalGraceSeconds: grace === undefined ? undefined : (parseDuration(grace, 'renewalGrace') ?? 0),
        mapPrice: price ? { shop: 'stripe', priceId: price, seatsPerUnit: optionalInt(args, 'seats-per-unit') } : undefined,
        unmapPrice: removed ? { shop: 'stripe', priceId: removed } : undefined,
      });
      const prices = await app.database.prisma.shopPrice.findMany({ where: { productId: product.id }, orderBy: { createdAt: 'asc' } });
      return { ...product, stripePrices: prices.map((p) => ({ priceId: p.priceId, seatsPerUnit: p.seatsPerUnit })) };
    },
    text: (p: ProductRow & { licenseDurationSeconds: number | null; renewalGraceSeconds: number; stripePrices: { priceId: string; seatsPerUnit: number }[] }) =>
      [
        productText(p),
        `Shop purchases: ${p.licenseDurationSeconds ? `one-time purchases last ${formatDuration(p.licenseDurationSeconds)}` : 'one-time purchases do not end'}, renewal grace ${formatDuration(p.renewalGraceSeconds)}.`,
        ...p.stripePrices.map((sp) => `Stripe price ${sp.priceId}: ${sp.seatsPerUnit} seat(s) per unit`),
      ].join('\n'),
  },
  'license issue': {
    usage: 'license issue --email EMAIL --product CODE --seats N --expires DATE|+DAYSd [--reseller NAME] [--entitlements CODE,CODE] [--order-id ID]',
    run: (app, args) =>
      app.services.licenses.issue('operator', {
        email: required(args, 'email'),
        product: required(args, 'product'),
        seats: optionalInt(args, 'seats') ?? Number.NaN,
        expiresAt: parseExpiry(required(args, 'expires')),
        reseller: args.reseller,
        entitlements: entitlements(args),
        orderId: args['order-id'],
      }),
    text: issuedText,
  },
  'keys rotate': {
    usage: 'keys rotate',
    run: (app) => app.services.signer.rotate(),
    text: (r: { rotated: { alg: string; kid: string; retiredKid: string | null }[] }) =>
      r.rotated
        .map(
          (k) =>
            `New ${k.alg === 'EdDSA' ? '' : `${k.alg} `}signing key ${k.kid}.${k.retiredKid ? ` Key ${k.retiredKid} is retired and stays in the JWKS while its tokens are valid.` : ''}`,
        )
        .join('\n'),
  },
  'keys root': {
    usage: 'keys root',
    // A JWKS, so that `--json` output is the file a vendor ships as the plug-in's root keys.
    run: async (app) => ({ keys: [await app.services.signer.rootKey()] }),
    text: (r: { keys: { kid?: string }[] }) =>
      `Root public key ${r.keys[0]!.kid}: ship this JWKS inside the plug-in as its root keys (rootKeys / --root-keys).\n${JSON.stringify(r, null, 2)}`,
  },
  'staff create': {
    usage: 'staff create --email EMAIL --role VENDOR_ADMIN|RESELLER_ADMIN [--reseller NAME] [--password PASSWORD]',
    run: async (app, args) => {
      const role = required(args, 'role').toUpperCase();
      const { staff, password } = await app.services.staff.create('operator', {
        email: required(args, 'email'),
        role: role as 'VENDOR_ADMIN' | 'RESELLER_ADMIN',
        reseller: args.reseller ?? null,
        password: args.password ?? null,
      });
      return { id: staff.id, email: staff.email, role: staff.role, reseller: args.reseller ?? null, password };
    },
    text: (r: { email: string; role: string; reseller: string | null; password: string | null }) =>
      [`Staff ${r.email}: ${r.role}${r.reseller ? ` of ${r.reseller}` : ''}.`, r.password ? `Password: ${r.password}` : 'Password: as given'].join('\n'),
  },
  'token create': {
    usage: 'token create --name NAME --role VENDOR_ADMIN|RESELLER_ADMIN [--reseller NAME]',
    run: async (app, args) => {
      const { apiToken, token } = await app.services.apiTokens.create('operator', {
        name: required(args, 'name'),
        role: required(args, 'role').toUpperCase() as 'VENDOR_ADMIN' | 'RESELLER_ADMIN',
        reseller: args.reseller ?? null,
      });
      return { id: apiToken.id, name: apiToken.name, role: apiToken.role, reseller: apiToken.reseller?.name ?? null, token };
    },
    text: (r: { id: string; name: string; role: string; reseller: string | null; token: string }) =>
      [
        `API token ${r.id} "${r.name}": ${r.role}${r.reseller ? ` of ${r.reseller}` : ''}.`,
        `Token: ${r.token}`,
        'It is shown only now; send it as Authorization: Bearer <token>.',
      ].join('\n'),
  },
  'token list': {
    usage: 'token list',
    run: async (app) =>
      (await app.services.apiTokens.list('operator')).map((t) => ({
        id: t.id,
        name: t.name,
        role: t.role,
        reseller: t.reseller?.name ?? null,
        hint: t.hint,
        createdAt: t.createdAt,
        lastUsedAt: t.lastUsedAt,
        revokedAt: t.revokedAt,
      })),
    text: (rows: { id: string; name: string; role: string; reseller: string | null; hint: string; lastUsedAt: Date | null; revokedAt: Date | null }[]) =>
      lines(
        rows,
        (t) => `${t.id}  ${t.revokedAt ? 'REVOKED' : 'ACTIVE '}  ${t.hint}…  ${t.role}${t.reseller ? ` of ${t.reseller}` : ''}  "${t.name}"  last used ${t.lastUsedAt ? new Date(t.lastUsedAt).toISOString().slice(0, 16) : 'never'}`,
        'No API tokens.',
      ),
  },
  'token revoke': {
    usage: 'token revoke ID',
    positional: 'id',
    run: async (app, args) => {
      const revoked = await app.services.apiTokens.revoke('operator', required(args, 'id'));
      return { id: revoked.id, revokedAt: revoked.revokedAt };
    },
    text: (r: { id: string }) => `API token ${r.id} revoked: requests with it are refused from now on.`,
  },
  'mail list': {
    usage: 'mail list [--status PENDING|SENDING|SENT|FAILED|HELD] [--limit N]',
    run: (app, args) =>
      app.database.prisma.mailMessage.findMany({
        ...newestFirst(args, 'createdAt'),
        select: { id: true, to: true, template: true, status: true, attempts: true, createdAt: true, sentAt: true, lastError: true },
      }),
    text: (rows: { id: string; to: string; template: string; status: string; attempts: number; createdAt: Date; lastError: string | null }[]) =>
      lines(
        rows,
        (m) => `${m.id}  ${new Date(m.createdAt).toISOString().slice(0, 16)}  ${m.status.padEnd(7)}  ${m.template.padEnd(16)}  ${m.to}${m.lastError ? `  (${m.attempts} attempts: ${m.lastError})` : ''}`,
        'The outbox is empty.',
      ),
  },
  'mail show': {
    usage: 'mail show ID',
    positional: 'id',
    async run(app, args) {
      // The sealed secret stays out of the answer: a queued mail's text shows it, a sent one has none.
      const { message, ...rendered } = await app.services.mail.open('operator', required(args, 'id'));
      return { ...message, ...rendered };
    },
    text: (m: { id: string; from: string; to: string; status: string; subject: string; text: string }) =>
      `Message ${m.id} (${m.status})\nFrom: ${m.from}\nTo: ${m.to}\nSubject: ${m.subject}\n\n${m.text}`,
  },
  'webhook add': {
    usage: 'webhook add --url URL [--events TYPE,TYPE] [--reseller NAME]',
    run: async (app, args) => {
      const { endpoint, secret } = await app.services.webhookEndpoints.add('operator', {
        url: required(args, 'url'),
        events: args.events?.split(','),
        reseller: args.reseller,
      });
      return { id: endpoint.id, secret, url: endpoint.url, events: endpoint.events };
    },
    text: (r: { id: string; secret: string; url: string; events: string[] }) =>
      [`Webhook endpoint ${r.id}: ${r.url} (${r.events.length ? r.events.join(', ') : 'every event'}).`, `Secret: ${r.secret}`].join('\n'),
  },
  'webhook list': {
    usage: 'webhook list',
    run: async (app) =>
      (await app.services.webhookEndpoints.list('operator')).map(({ secret: _secret, previousSecret: _previous, ...endpoint }) => endpoint),
    text: (rows: { id: string; url: string; events: string[]; resellerId: string | null; disabledAt: Date | null; failingSince: Date | null }[]) =>
      lines(
        rows,
        (e) => `${e.id}  ${e.disabledAt ? 'DISABLED' : e.failingSince ? 'FAILING ' : 'OK      '}  ${e.url}  ${e.events.length ? e.events.join(',') : 'every event'}${e.resellerId ? `  (reseller ${e.resellerId})` : ''}`,
        'No webhook endpoints.',
      ),
  },
  'webhook remove': {
    usage: 'webhook remove ID',
    positional: 'id',
    run: async (app, args) => ({ id: (await app.services.webhookEndpoints.remove('operator', required(args, 'id'))).id }),
    text: (r: { id: string }) => `Webhook endpoint ${r.id} removed.`,
  },
  'webhook enable': {
    usage: 'webhook enable ID',
    positional: 'id',
    run: async (app, args) => ({ id: (await app.services.webhookEndpoints.update('operator', required(args, 'id'), { enabled: true })).id }),
    text: (r: { id: string }) => `Webhook endpoint ${r.id} enabled: deliveries not yet made go out now.`,
  },
  'webhook rotate-secret': {
    usage: 'webhook rotate-secret ID',
    positional: 'id',
    run: async (app, args) => {
      const { endpoint, secret } = await app.services.webhookEndpoints.rotateSecret('operator', required(args, 'id'));
      return { id: endpoint.id, secret, previousSecretUntil: endpoint.previousSecretUntil };
    },
    text: (r: { id: string; secret: string; previousSecretUntil: Date }) =>
      [`New secret for ${r.id}: ${r.secret}`, `The old secret keeps signing beside it until ${new Date(r.previousSecretUntil).toISOString()}.`].join('\n'),
  },
  'shop events': {
    usage: 'shop events [--status APPLIED|WAITING|IGNORED|REJECTED|DUPLICATE] [--limit N]',
    run: (app, args) =>
      app.database.prisma.shopEvent.findMany({
        ...newestFirst(args, 'receivedAt'),
        select: { shop: true, eventId: true, type: true, status: true, note: true, livemode: true, occurredAt: true, receivedAt: true, waitingFor: true },
      }),
    text: (rows: { shop: string; eventId: string; type: string; status: string; note: string | null; livemode: boolean; receivedAt: Date }[]) =>
      lines(
        rows,
        (e) => `${new Date(e.receivedAt).toISOString().slice(0, 16)}  ${e.shop}${e.livemode ? '' : ' (test)'}  ${e.status.padEnd(9)}  ${e.type}  ${e.eventId}${e.note ? `  ${e.note}` : ''}`,
        'No shop events.',
      ),
  },
  seed: {
    usage: 'seed',
    async run(app) {
      const code = 'revit-demo';
      const existing = await app.database.prisma.product.findUnique({ where: { code } });
      const product =
        existing ??
        (await app.services.products.create('operator', { code, name: 'Demo Revit Plug-in', remoteReleasesPerYear: 3 }));
      const email = 'demo@example.com';
      const seeded = await app.database.prisma.license.findFirst({
        where: { productId: product.id, customer: { email } },
        include: { product: true, customer: true },
      });
      // Seeding twice changes nothing: the demo login keeps its license and password.
      const issued = seeded
        ? { license: seeded, customer: { id: seeded.customerId, email, created: false }, password: null }
        : await app.services.licenses.issue('operator', { email, product: code, seats: 3, expiresAt: new Date(Date.now() + 365 * 86_400_000) });
      const { customer: _customer, ...license } = issued.license as typeof issued.license & { customer?: unknown };
      // A vendor admin for the dashboard: the customer's login is refused there.
      const staffEmail = 'admin@example.com';
      const staffExists = await app.database.prisma.staffUser.findUnique({ where: { email: staffEmail } });
      const staff = staffExists
        ? { email: staffEmail, role: staffExists.role, password: null }
        : await app.services.staff
            .create('operator', { email: staffEmail, role: 'VENDOR_ADMIN', reseller: null, password: null })
            .then(({ staff: created, password }) => ({ email: created.email, role: created.role, password }));
      return { product: { code: product.code, name: product.name }, ...issued, license, staff, dashboard: `${app.config.publicUrl}/admin/` };
    },
    text: (r: Issued & { product: { code: string }; staff: { email: string; password: string | null }; dashboard: string }) =>
      [
        `Demo product ${r.product.code}.`,
        issuedText(r),
        `Dashboard: ${r.dashboard}`,
        `Staff login: ${r.staff.email} (vendor admin)`,
        `Staff password: ${r.staff.password ?? 'unchanged (seeded before)'}`,
      ].join('\n'),
  },
};

/** The command named by the first words; a command with a `positional` takes one more word as that argument. */
export function findCommand(words: string[]): { name: string; command: Command; args: Args } | null {
  for (const length of [2, 1]) {
    const name = words.slice(0, length).join(' ');
    const command = commands[name];
    if (command && words.length === length) return { name, command, args: {} };
    if (command?.positional && words.length === length + 1) return { name, command, args: { [command.positional]: words[length] } };
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
      app.logger.error({ err: error }, 'operator command failed');
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
