-- Entitlements: the feature codes a product declares, and the subset each license grants.
ALTER TABLE "Product" ADD COLUMN "entitlements" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN "trialSeconds" INTEGER;

ALTER TABLE "License" ADD COLUMN "entitlements" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- Trials: one per machine per product, ever (the unique index decides between concurrent starts).
CREATE TABLE "Trial" (
    "id" TEXT NOT NULL,
    "productId" TEXT NOT NULL,
    "fingerprintHash" TEXT NOT NULL,
    "machineName" TEXT NOT NULL,
    "osUser" TEXT NOT NULL,
    "email" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "licenseId" TEXT,

    CONSTRAINT "Trial_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "Trial_productId_fingerprintHash_key" ON "Trial"("productId", "fingerprintHash");
CREATE INDEX "Trial_email_idx" ON "Trial"("email");
CREATE INDEX "Trial_startedAt_idx" ON "Trial"("startedAt");

ALTER TABLE "Trial" ADD CONSTRAINT "Trial_productId_fkey" FOREIGN KEY ("productId") REFERENCES "Product"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "Trial" ADD CONSTRAINT "Trial_licenseId_fkey" FOREIGN KEY ("licenseId") REFERENCES "License"("id") ON DELETE SET NULL ON UPDATE CASCADE;
