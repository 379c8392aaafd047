import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '@slotkeeper/schema/generated/prisma/client';
import bcrypt from 'bcrypt';
export const BCRYPT_COST = 4;

export const PASSWORD = 'correct horse battery staple';
const passwordHash = bcrypt.hashSync(PASSWORD, BCRYPT_COST);

const unique = () => randomBytes(5).toString('hex');

export interface SeededLicense {
  id: string;
  email: string;
  password: string;
  customerId: string;
  product: string;
  seats: number;
}

/** Builds test data with unique names, so test files share one database and never reset it. */
export class Seeder {
  constructor(private readonly db: PrismaClient) {}

  product(
    options: {
      leaseDays?: number | null;
      leaseSeconds?: number | null;
      maxBorrowSeconds?: number | null;
      overagePercent?: number;
      revivalWindowSeconds?: number | null;
      remoteReleasesPerYear?: number;
      tokenAlg?: 'EdDSA' | 'RS256';
      entitlements?: string[];
      trialSeconds?: number | null;
    } = {},
  ) {
    return this.db.product.create({
      data: {
        code: `plugin-${unique()}`,
        name: 'Test Plug-in',
        leaseSeconds: options.leaseSeconds ?? (options.leaseDays != null ? options.leaseDays * 86_400 : null),
        maxBorrowSeconds: options.maxBorrowSeconds ?? null,
        overagePercent: options.overagePercent ?? 0,
        revivalWindowSeconds: options.revivalWindowSeconds ?? null,
        remoteReleasesPerYear: options.remoteReleasesPerYear ?? 3,
        tokenAlg: options.tokenAlg ?? 'EdDSA',
        entitlements: options.entitlements ?? [],
        trialSeconds: options.trialSeconds ?? null,
      },
    });
  }

  customer(email = `user-${unique()}@example.com`) {
    return this.db.customer.create({ data: { email, passwordHash } });
  }

  /** A customer (new unless given) with one license of a product (new unless given). */
  async license(
    options: {
      seats?: number;
      expiresInDays?: number;
      status?: 'ACTIVE' | 'SUSPENDED' | 'REVOKED';
      leaseDays?: number | null;
      leaseSeconds?: number | null;
      maxBorrowSeconds?: number | null;
      overagePercent?: number;
      revivalWindowSeconds?: number | null;
      remoteReleasesPerYear?: number;
      tokenAlg?: 'EdDSA' | 'RS256';
      customer?: { id: string; email: string };
      product?: { id: string; code: string; entitlements?: string[] };
      /** Default: all of the product's. */
      entitlements?: string[];
    } = {},
  ): Promise<SeededLicense> {
    const product = options.product ?? (await this.product(options));
    const customer = options.customer ?? (await this.customer());
    const license = await this.db.license.create({
      data: {
        customerId: customer.id,
        productId: product.id,
        seats: options.seats ?? 3,
        status: options.status ?? 'ACTIVE',
        startsAt: new Date(Date.now() - 86_400_000),
        expiresAt: new Date(Date.now() + (options.expiresInDays ?? 365) * 86_400_000),
        entitlements: options.entitlements ?? product.entitlements ?? [],
      },
    });
    return {
      id: license.id,
      email: customer.email,
      password: PASSWORD,
      customerId: customer.id,
      product: product.code,
      seats: license.seats,
    };
  }
}
