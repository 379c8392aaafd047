-- AlterTable: a queued mail's secrets (generated password, reset code), encrypted by the server
ALTER TABLE "MailMessage" ADD COLUMN "secret" TEXT;

-- Sent mails keep no secret: reset codes and the '(sent)' marker of passwords leave their data.
UPDATE "MailMessage" SET "data" = "data" - 'password' - 'token'
WHERE "status" = 'SENT' AND "template" IN ('credentials', 'password-reset');
