-- Vendor links shown by the plug-in's license window (website, documentation, support, purchase).
ALTER TABLE "Product" ADD COLUMN "websiteUrl" TEXT,
ADD COLUMN "documentationUrl" TEXT,
ADD COLUMN "supportUrl" TEXT,
ADD COLUMN "purchaseUrl" TEXT;
