-- Seat policies (issue #13): the lease becomes a duration in seconds; borrowing, overage and the
-- revival window join it on the product; a slot taken beyond the seats is marked; refused
-- activations are recorded.

-- AlterTable: the lease in seconds, the days already set carried over.
ALTER TABLE "Product" RENAME COLUMN "leaseDays" TO "leaseSeconds";
UPDATE "Product" SET "leaseSeconds" = "leaseSeconds" * 86400 WHERE "leaseSeconds" IS NOT NULL;
ALTER TABLE "Product" ADD COLUMN "maxBorrowSeconds" INTEGER,
ADD COLUMN "overagePercent" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "revivalWindowSeconds" INTEGER;

-- AlterTable
ALTER TABLE "Activation" ADD COLUMN "overage" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "SlotDenial" (
    "id" TEXT NOT NULL,
    "licenseId" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "machineName" TEXT NOT NULL,
    "osUser" TEXT NOT NULL,
    "fingerprintHash" TEXT NOT NULL,

    CONSTRAINT "SlotDenial_pkey" PRIMARY KEY ("id")
);

-- CreateIndex: the sweeper's search for live slots whose token has expired.
CREATE INDEX "Activation_releasedAt_tokenExpiresAt_idx" ON "Activation"("releasedAt", "tokenExpiresAt");

-- CreateIndex
CREATE INDEX "SlotDenial_licenseId_at_idx" ON "SlotDenial"("licenseId", "at");

-- CreateIndex
CREATE INDEX "SlotDenial_customerId_at_idx" ON "SlotDenial"("customerId", "at");

-- CreateIndex
CREATE INDEX "SlotDenial_at_idx" ON "SlotDenial"("at");

-- AddForeignKey
ALTER TABLE "SlotDenial" ADD CONSTRAINT "SlotDenial_licenseId_fkey" FOREIGN KEY ("licenseId") REFERENCES "License"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
