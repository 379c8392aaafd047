import { type AccountService, createAccountService } from './account.ts';
import { type ApiTokenService, createApiTokenService } from './api-token.ts';
import { type ActivationService, type HealedBy, createActivationService } from './activation.ts';
import { type AdminService, createAdminService } from './admin.ts';
import { type IntakeService, createIntakeService } from './commerce/intake.ts';
import type { Clock, Db, EffectLog } from './db.ts';
import { type LicenseService, createLicenseService } from './license.ts';
import { type ProductService, createProductService } from './product.ts';
import { type ResellerService, createResellerService } from './reseller.ts';
import type { Outbox } from './mail.ts';
import { type MailReader, createMailReader } from './mail-reader.ts';
import type { PasswordHasher } from './password.ts';
import type { RateLimits } from './rate-limit.ts';
import type { SessionEvents } from './session-event.ts';
import { createCustomerSessions, createStaffSessions } from './session.ts';
import type { Signer } from './signing-key.ts';
import type { SlotEvents } from './slot-event.ts';
import { type StaffService, createStaffService } from './staff.ts';
import { type TrialService, createTrialService } from './trial.ts';
import { type WebhookService, createWebhookService } from './webhook.ts';
import type { WebhookOutbox } from './webhook/event.ts';
import type { WebhookSecrets } from './webhook/secret.ts';

export interface Services {
  accounts: AccountService;
  admin: AdminService;
  staff: StaffService;
  activations: ActivationService;
  licenses: LicenseService;
  products: ProductService;
  trials: TrialService;
  resellers: ResellerService;
  mail: MailReader;
  signer: Signer;
  webhookEndpoints: WebhookService;
  /** Purchases, renewals and cancellations from shops (commerce/). */
  intake: IntakeService;
  apiTokens: ApiTokenService;
}

export interface ServiceDeps {
  db: Db;
  clock: Clock;
  hasher: PasswordHasher;
  signer: Signer;
  events: SlotEvents;
  /** Where the services announce ended sessions, so their open subscriptions end on every instance. */
  sessionEvents: SessionEvents;
  limits: RateLimits;
  outbox: Outbox;
  /** What the outbox needs to show its messages: whether SMTP is configured, the sender, the rendering. */
  mail: { configured: boolean; from: string; render: Parameters<typeof createMailReader>[0]['render'] };
  sessionTtlHours: number;
  resetTtlMinutes: number;
  /** Where the services write webhook events (in their transactions). */
  webhooks: WebhookOutbox;
  /** Seals endpoint secrets at rest under the key-encryption key. */
  webhookSecrets: WebhookSecrets;
  /** Webhook endpoints may point at private addresses (WEBHOOK_ALLOW_PRIVATE). */
  webhookAllowPrivate: boolean;
  /** Where a failed after-commit effect (mail wake-up, slot event) is logged. */
  logger: EffectLog;
  /** Counts slots healed by their lapsed lease (for /metrics). */
  onSlotsHealed?: (count: number, by: HealedBy) => void;
}

export function createServices(deps: ServiceDeps): Services {
  const customerSessions = createCustomerSessions(deps);
  const accounts = createAccountService({ ...deps, sessions: customerSessions });
  return {
    accounts,
    admin: createAdminService({ ...deps, accounts, customerSessions }),
    staff: createStaffService({ ...deps, sessions: createStaffSessions(deps) }),
    activations: createActivationService({ ...deps, accounts }),
    licenses: createLicenseService(deps),
    products: createProductService(deps),
    trials: createTrialService(deps),
    resellers: createResellerService(deps),
    mail: createMailReader({ db: deps.db, ...deps.mail }),
    signer: deps.signer,
    webhookEndpoints: createWebhookService({ ...deps, allowPrivate: deps.webhookAllowPrivate }),
    intake: createIntakeService(deps),
    apiTokens: createApiTokenService(deps),
  };
}
