-- Purchase intake from shops (Stripe first): price mappings, the purchase behind a license, and every
-- event received, recorded in the transaction of its effect.

-- AlterTable
ALTER TABLE "Product" ADD COLUMN     "licenseDurationSeconds" INTEGER,
ADD COLUMN     "renewalGraceSeconds" INTEGER NOT NULL DEFAULT 259200;

-- AlterTable
ALTER TABLE "License" ADD COLUMN     "pendingSeats" INTEGER;

-- CreateTable
CREATE TABLE "ShopPrice" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "priceId" TEXT NOT NULL,
    "productId" TEXT NOT NULL,
    "seatsPerUnit" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ShopPrice_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ShopLink" (
    "id" TEXT NOT NULL,
    "licenseId" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "subscriptionId" TEXT,
    "priceIds" TEXT[],
    "seatsPerUnit" INTEGER NOT NULL,
    "livemode" BOOLEAN NOT NULL,
    "dashboardUrl" TEXT NOT NULL,
    "quantityChangedAt" TIMESTAMP(3),
    "endedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ShopLink_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ShopEvent" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "eventId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "objectKey" TEXT,
    "status" TEXT NOT NULL,
    "waitingFor" TEXT,
    "intent" JSONB,
    "note" TEXT,
    "livemode" BOOLEAN NOT NULL,
    "occurredAt" TIMESTAMP(3) NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "appliedAt" TIMESTAMP(3),

    CONSTRAINT "ShopEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ShopPrice_shop_priceId_key" ON "ShopPrice"("shop", "priceId");

-- CreateIndex
CREATE UNIQUE INDEX "ShopLink_licenseId_key" ON "ShopLink"("licenseId");

-- CreateIndex
CREATE INDEX "ShopLink_shop_subscriptionId_idx" ON "ShopLink"("shop", "subscriptionId");

-- CreateIndex
CREATE UNIQUE INDEX "ShopEvent_shop_eventId_key" ON "ShopEvent"("shop", "eventId");

-- CreateIndex
CREATE UNIQUE INDEX "ShopEvent_shop_objectKey_key" ON "ShopEvent"("shop", "objectKey");

-- CreateIndex
CREATE INDEX "ShopEvent_shop_waitingFor_idx" ON "ShopEvent"("shop", "waitingFor");

-- AddForeignKey
ALTER TABLE "ShopPrice" ADD CONSTRAINT "ShopPrice_productId_fkey" FOREIGN KEY ("productId") REFERENCES "Product"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ShopLink" ADD CONSTRAINT "ShopLink_licenseId_fkey" FOREIGN KEY ("licenseId") REFERENCES "License"("id") ON DELETE CASCADE ON UPDATE CASCADE;
