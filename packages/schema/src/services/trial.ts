import { randomUUID } from 'node:crypto';
import type { Prisma, Product, Trial } from '../generated/prisma/client.ts';
import type { Caller } from './caller.ts';
import { audit } from './audit.ts';
import { type Clock, type Db, type EffectLog, transaction } from './db.ts';
import { NotFoundError, TrialUsedError } from './errors.ts';
import { fingerprintHash, normalizeEmail, requireText } from './input.ts';
import { trialExpiry } from './license-rule.ts';
import { policy } from './policy.ts';
import type { Signer } from './signing-key.ts';
import { type WebhookOutbox, createWebhookOutbox } from './webhook/event.ts';

export interface StartTrialInput {
  product: string;
  fingerprint: string;
  machineName: string;
  osUser: string;
  /** The lead's e-mail, optional; a later purchase by it is linked to this trial. */
  email?: string | null;
}

export interface StartedTrial {
  token: string;
  trial: Trial;
  product: Product;
}

export interface TrialFilter {
  product?: string | null;
  /** Part of the lead's e-mail. */
  email?: string | null;
  /** true: followed by a purchase; false: not (yet). */
  converted?: boolean | null;
}

/**
 * Trials: a signed token for one machine that takes no seat and needs no login, once per machine per
 * product, ever. The (product, fingerprint) unique index decides between concurrent starts.
 */
export interface TrialService {
  start(input: StartTrialInput): Promise<StartedTrial>;
  /** The trials a staff caller may read (vendor admins: trials belong to no reseller) that match `filter`. */
  visibleWhere(caller: Caller, filter?: TrialFilter | null): Prisma.TrialWhereInput;
}

export function createTrialService(deps: { db: Db; clock: Clock; signer: Signer; logger: EffectLog; webhooks?: WebhookOutbox }): TrialService {
  const { db, clock, signer, logger } = deps;
  const webhooks = deps.webhooks ?? createWebhookOutbox();

  return {
    async start(input) {
      const machineName = requireText(input.machineName, 'machineName');
      const osUser = requireText(input.osUser, 'osUser');
      const fp = fingerprintHash(input.fingerprint);
      const email = input.email?.trim() ? normalizeEmail(input.email) : null;
      const product = await db.product.findUnique({ where: { code: requireText(input.product, 'product', 100) } });
      if (!product) throw new NotFoundError(`There is no product "${input.product}".`);
      const now = clock.now();
      // Whole seconds, as the token's `exp` says it.
      const expiresAt = new Date(Math.floor(trialExpiry(product, now).getTime() / 1000) * 1000);
      // The key exists before the transaction: on the embedded engine a query outside it would wait for it.
      await signer.current(product.tokenAlg);

      const trial = await transaction(db, async (tx, work) => {
        const id = randomUUID();
        // ON CONFLICT DO NOTHING: a concurrent start of the same machine waits for the winner's commit, then inserts nothing.
        const inserted = await tx.trial.createMany({
          data: [{ id, productId: product.id, fingerprintHash: fp, machineName, osUser, email, startedAt: now, expiresAt }],
          skipDuplicates: true,
        });
        if (inserted.count === 0) {
          const earlier = await tx.trial.findUniqueOrThrow({ where: { productId_fingerprintHash: { productId: product.id, fingerprintHash: fp } } });
          return { used: new TrialUsedError(earlier.startedAt) };
        }
        const created = await tx.trial.findUniqueOrThrow({ where: { id } });
        // Trials belong to no reseller: the vendor's audit log shows each start, with its lead.
        await audit(tx, 'system', 'trial.started', `trial:${id}`, null, { product: product.code, machineName, osUser, email, expiresAt: expiresAt.toISOString() });
        await webhooks.emit(work, now, 'trial.started', null, {
          trial: {
            id,
            product: product.code,
            machineName,
            osUser,
            email,
            startedAt: now.toISOString(),
            expiresAt: expiresAt.toISOString(),
          },
        });
        return { created };
      }, logger);
      if ('used' in trial) throw trial.used;

      const { token } = await signer.sign({
        sub: trial.created.id,
        aud: product.code,
        lic: trial.created.id,
        fp,
        seats: 0,
        ent: product.entitlements,
        trial: true,
        nbf: Math.floor(now.getTime() / 1000),
        exp: expiresAt.getTime() / 1000,
      }, product.tokenAlg);
      return { token, trial: trial.created, product };
    },

    visibleWhere(caller, filter) {
      policy.readTrials(caller);
      return {
        AND: [
          filter?.product ? { product: { code: filter.product } } : {},
          filter?.email ? { email: { contains: filter.email.toLowerCase() } } : {},
          filter?.converted == null ? {} : filter.converted ? { licenseId: { not: null } } : { licenseId: null },
        ],
      };
    },
  };
}
