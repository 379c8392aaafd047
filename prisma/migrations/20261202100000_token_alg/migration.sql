-- CreateEnum
CREATE TYPE "TokenAlg" AS ENUM ('EdDSA', 'RS256');

-- AlterTable
ALTER TABLE "Product" ADD COLUMN "tokenAlg" "TokenAlg" NOT NULL DEFAULT 'EdDSA';

-- AlterTable
ALTER TABLE "SigningKey" ADD COLUMN "alg" "TokenAlg" NOT NULL DEFAULT 'EdDSA';
