-- The reseller belongs to the license, not to the customer: one login may buy from several resellers.

-- AlterTable
ALTER TABLE "License" ADD COLUMN "resellerId" TEXT;

-- Each license keeps the reseller its customer had.
UPDATE "License" SET "resellerId" = "Customer"."resellerId"
FROM "Customer" WHERE "Customer"."id" = "License"."customerId";

-- DropForeignKey
ALTER TABLE "Customer" DROP CONSTRAINT "Customer_resellerId_fkey";

-- AlterTable
ALTER TABLE "Customer" DROP COLUMN "resellerId";

-- CreateIndex
CREATE INDEX "License_resellerId_idx" ON "License"("resellerId");

-- AddForeignKey
ALTER TABLE "License" ADD CONSTRAINT "License_resellerId_fkey" FOREIGN KEY ("resellerId") REFERENCES "Reseller"("id") ON DELETE SET NULL ON UPDATE CASCADE;
