import { randomBytes } from 'node:crypto';
import type { ApiToken, Prisma, Reseller } from '../generated/prisma/client.ts';
import { audit } from './audit.ts';
import { type Caller, type StaffRole, scope } from './caller.ts';
import { type Clock, type Db, type EffectLog, transaction } from './db.ts';
import { ForbiddenError, InvalidInputError, NotFoundError } from './errors.ts';
import { requireText, sha256 } from './input.ts';
import { type Actor, policy } from './policy.ts';
import type { SessionEvents } from './session-event.ts';

/** Recognisable in logs, config files and secret scanners; distinct from sessions' `sks_` and `sst_`. */
export const API_TOKEN_PREFIX = 'skapi_';
/** `lastUsedAt` is written at most this often per token: a busy integration costs one write a minute. */
export const LAST_USED_WRITE_MS = 60_000;
/** A token caller's session never expires by time (revocation ends it): far beyond any clock. */
const NEVER = new Date('9999-12-31T00:00:00Z');

export interface CreateApiTokenInput {
  name: string;
  role: StaffRole;
  /** A reseller admin token's reseller, by name; reseller admins may only name their own (or none). */
  reseller?: string | null;
}

export type ApiTokenRow = ApiToken & { reseller: Reseller | null };

export interface ApiTokenService {
  isToken(token: string): boolean;
  /** The staff-like caller a bearer token stands for, or anonymous when it is unknown, revoked, or its maker is disabled. */
  callerFromToken(token: string): Promise<Caller>;
  /** A new token: the secret is in the answer only. Vendor admins and the operator make any; reseller admins their reseller's. */
  create(actor: Actor, input: CreateApiTokenInput): Promise<{ apiToken: ApiTokenRow; token: string }>;
  /** The tokens an actor sees (their tenant's); the dashboard's list pages over it. */
  visibleWhere(actor: Actor): Prisma.ApiTokenWhereInput;
  list(actor: Actor): Promise<ApiTokenRow[]>;
  /** Stops the token at once (on every instance: its open subscriptions end too); revoking twice changes nothing. */
  revoke(actor: Actor, id: string): Promise<ApiTokenRow>;
}

/** The session id a token caller carries: subscriptions opened with the token end when it is revoked. */
export const apiTokenSessionId = (id: string) => `api-token:${id}`;

/** How a token is named where staff are named by e-mail (audit events, logs). */
export const apiTokenActor = (token: { id: string; name: string }) => `api-token:${token.id} (${token.name})`;

interface TokenRow {
  id: string;
  name: string;
  role: StaffRole;
  resellerId: string | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  creatorDisabledAt: Date | null;
}

export function createApiTokenService(deps: { db: Db; clock: Clock; sessionEvents: SessionEvents; logger?: EffectLog }): ApiTokenService {
  const { db, clock } = deps;

  function visibleWhere(actor: Actor): Prisma.ApiTokenWhereInput {
    const staff = policy.manageApiTokens(actor);
    return staff === 'operator' ? {} : scope.apiTokens(staff);
  }

  async function visible(actor: Actor, id: string): Promise<ApiTokenRow> {
    const row = await db.apiToken.findFirst({ where: { id, ...visibleWhere(actor) }, include: { reseller: true } });
    if (!row) throw new NotFoundError('There is no such API token.');
    return row;
  }

  return {
    isToken: (token) => token.startsWith(API_TOKEN_PREFIX),

    async callerFromToken(token) {
      if (!token.startsWith(API_TOKEN_PREFIX) || token.length > 200) return { kind: 'anonymous' };
      // One statement per request, as a session costs.
      const [row] = await db.$queryRaw<TokenRow[]>`
        SELECT t."id", t."name", t."role"::text AS "role", t."resellerId", t."revokedAt", t."lastUsedAt",
               s."disabledAt" AS "creatorDisabledAt"
        FROM "ApiToken" t LEFT JOIN "StaffUser" s ON s."id" = t."createdById"
        WHERE t."tokenHash" = ${sha256(token)}`;
      if (!row || row.revokedAt || row.creatorDisabledAt) return { kind: 'anonymous' };
      const now = clock.now();
      if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_WRITE_MS) {
        const due = new Date(now.getTime() - LAST_USED_WRITE_MS);
        // Conditional: of several requests (or instances) at once, one writes.
        await db.apiToken.updateMany({ where: { id: row.id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lte: due } }] }, data: { lastUsedAt: now } });
      }
      return {
        kind: 'staff',
        staffId: apiTokenSessionId(row.id),
        email: apiTokenActor(row),
        role: row.role,
        resellerId: row.resellerId,
        sessionId: apiTokenSessionId(row.id),
        sessionExpiresAt: NEVER,
        apiToken: { id: row.id, name: row.name },
      };
    },

    async create(actor, input) {
      const by = policy.createApiToken(actor);
      const name = requireText(input.name ?? '', 'name', 100);
      if (input.role !== 'VENDOR_ADMIN' && input.role !== 'RESELLER_ADMIN') {
        throw new InvalidInputError('role', 'The role is VENDOR_ADMIN or RESELLER_ADMIN.');
      }
      const resellerName = input.reseller?.trim() || null;
      let resellerId: string | null = null;
      if (by !== 'operator' && by.role === 'RESELLER_ADMIN') {
        // Never above one's own role, never another reseller's.
        if (input.role !== 'RESELLER_ADMIN') throw new ForbiddenError('A reseller admin may only create reseller admin tokens.');
        const own = by.resellerId ? await db.reseller.findUnique({ where: { id: by.resellerId } }) : null;
        if (!own) throw new ForbiddenError('Your staff account belongs to no reseller.');
        // The same answer whether the named reseller exists or not.
        if (resellerName && resellerName !== own.name) throw new InvalidInputError('reseller', 'A reseller admin creates tokens for their own reseller only.');
        resellerId = own.id;
      } else if (input.role === 'RESELLER_ADMIN') {
        if (!resellerName) throw new InvalidInputError('reseller', 'A reseller admin token needs a reseller.');
        const reseller = await db.reseller.findUnique({ where: { name: resellerName } });
        if (!reseller) throw new NotFoundError(`There is no reseller "${resellerName}".`);
        resellerId = reseller.id;
      } else if (resellerName) {
        throw new InvalidInputError('reseller', 'A vendor admin token belongs to no reseller.');
      }
      const token = API_TOKEN_PREFIX + randomBytes(32).toString('base64url');
      const apiToken = await transaction(db, async (tx) => {
        const created = await tx.apiToken.create({
          data: {
            name,
            role: input.role,
            resellerId,
            tokenHash: sha256(token),
            hint: token.slice(0, API_TOKEN_PREFIX.length + 4),
            createdById: by === 'operator' ? null : by.staffId,
          },
          include: { reseller: true },
        });
        await audit(tx, by, 'api_token.created', `api-token:${created.id}`, resellerId, {
          after: { name, role: input.role, reseller: created.reseller?.name ?? null },
        });
        return created;
      }, deps.logger);
      return { apiToken, token };
    },

    visibleWhere,

    list(actor) {
      return db.apiToken.findMany({
        where: visibleWhere(actor),
        include: { reseller: true },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      });
    },

    async revoke(actor, id) {
      const found = await visible(actor, id);
      const by = policy.manageApiTokens(actor);
      if (found.revokedAt) return found;
      return transaction(db, async (tx, work) => {
        const now = clock.now();
        // Of two revocations at once, one changes the row and is audited.
        const changed = await tx.apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: now } });
        const revoked = await tx.apiToken.findUniqueOrThrow({ where: { id }, include: { reseller: true } });
        if (changed.count === 0) return revoked;
        await audit(tx, by, 'api_token.revoked', `api-token:${id}`, found.resellerId, { before: { name: found.name, revokedAt: null }, after: { revokedAt: revoked.revokedAt } });
        work.afterCommit(() => deps.sessionEvents.sessionEnded({ kind: 'staff', sessionId: apiTokenSessionId(id) }));
        return revoked;
      }, deps.logger);
    },
  };
}
