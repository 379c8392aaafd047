import { type AccountService, createAccountService } from './account.ts';
import { type ActivationService, createActivationService } from './activation.ts';
import type { Clock, Db } from './db.ts';
import { type LicenseService, createLicenseService } from './license.ts';
import type { PasswordHasher } from './password.ts';
import type { Signer } from './signing-key.ts';
import type { SlotEvents } from './slot-event.ts';

export interface Services {
  accounts: AccountService;
  activations: ActivationService;
  licenses: LicenseService;
  signer: Signer;
}

export interface ServiceDeps {
  db: Db;
  clock: Clock;
  hasher: PasswordHasher;
  signer: Signer;
  events: SlotEvents;
  sessionTtlHours: number;
}

export function createServices(deps: ServiceDeps): Services {
  const accounts = createAccountService(deps);
  return {
    accounts,
    activations: createActivationService({ ...deps, accounts }),
    licenses: createLicenseService(deps),
    signer: deps.signer,
  };
}
