import type { License, Prisma, Product } from '../generated/prisma/client.ts';
import { type Clock, type Db, transaction } from './db.ts';
import { InvalidInputError, NotFoundError } from './errors.ts';
import { normalizeEmail, requireText } from './input.ts';
import { type PasswordHasher, generatePassword } from './password.ts';

export interface IssueLicenseInput {
  email: string;
  product: string;
  seats: number;
  expiresAt: Date;
  startsAt?: Date;
  reseller?: string;
}

export interface IssuedLicense {
  license: License & { product: Product };
  customer: { id: string; email: string; created: boolean };
  /** Only for a customer created by this call: the generated password, to be e-mailed. */
  password: string | null;
}

export interface CreateProductInput {
  code: string;
  name: string;
  leaseDays?: number | null;
  remoteReleasesPerYear?: number;
}

export interface LicenseService {
  createProduct(input: CreateProductInput): Promise<Product>;
  issue(input: IssueLicenseInput): Promise<IssuedLicense>;
  /** The license manager: every license of a login, newest expiry first. */
  listForCustomer<T extends Prisma.LicenseFindManyArgs>(customerId: string, query?: T): Promise<License[]>;
}

const CODE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export function createLicenseService(deps: { db: Db; clock: Clock; hasher: PasswordHasher }): LicenseService {
  const { db, clock, hasher } = deps;

  return {
    async createProduct(input) {
      const code = requireText(input.code, 'code', 64);
      if (!CODE.test(code)) {
        throw new InvalidInputError('code', 'A product code is 1-64 lower-case letters, digits, ".", "_" or "-".');
      }
      if (input.leaseDays != null && (!Number.isInteger(input.leaseDays) || input.leaseDays < 1 || input.leaseDays > 3650)) {
        throw new InvalidInputError('leaseDays', 'Lease days must be a whole number from 1 to 3650.');
      }
      const releases = input.remoteReleasesPerYear ?? 3;
      if (!Number.isInteger(releases) || releases < 0 || releases > 1000) {
        throw new InvalidInputError('remoteReleasesPerYear', 'Remote releases per year must be a whole number from 0 to 1000.');
      }
      const existing = await db.product.findUnique({ where: { code } });
      if (existing) throw new InvalidInputError('code', `A product "${code}" already exists.`);
      return db.product.create({
        data: { code, name: requireText(input.name, 'name'), leaseDays: input.leaseDays ?? null, remoteReleasesPerYear: releases },
      });
    },

    async issue(input) {
      const email = normalizeEmail(input.email);
      if (!Number.isInteger(input.seats) || input.seats < 1 || input.seats > 100_000) {
        throw new InvalidInputError('seats', 'Seats must be a whole number from 1 to 100000.');
      }
      const startsAt = input.startsAt ?? clock.now();
      if (Number.isNaN(input.expiresAt.getTime()) || input.expiresAt <= startsAt) {
        throw new InvalidInputError('expiresAt', 'The expiry must be a valid date after the start.');
      }
      const product = await db.product.findUnique({ where: { code: input.product } });
      if (!product) throw new NotFoundError(`There is no product "${input.product}".`);
      const password = generatePassword();
      const passwordHash = await hasher.hash(password);

      return transaction(db, async (tx) => {
        const reseller = input.reseller
          ? await tx.reseller.upsert({
              where: { name: requireText(input.reseller, 'reseller') },
              create: { name: input.reseller.trim() },
              update: {},
            })
          : null;
        const customer = await tx.customer.upsert({
          where: { email },
          create: { email, passwordHash, resellerId: reseller?.id },
          update: {},
        });
        const created = customer.passwordHash === passwordHash;
        const license = await tx.license.create({
          data: { customerId: customer.id, productId: product.id, seats: input.seats, startsAt, expiresAt: input.expiresAt },
          include: { product: true },
        });
        return {
          license,
          customer: { id: customer.id, email: customer.email, created },
          password: created ? password : null,
        };
      });
    },

    listForCustomer(customerId, query) {
      return db.license.findMany({
        ...query,
        where: { customerId },
        orderBy: [{ expiresAt: 'desc' }, { id: 'asc' }],
      } as Prisma.LicenseFindManyArgs);
    },
  };
}
