import type { Caller } from './services/caller.ts';
import type { Db } from './services/db.ts';
import type { Services } from './services/services.ts';
import type { SlotUsageEvent } from './services/slot-event.ts';

export interface SlotSubscriptions {
  /** Events of one license, from every api instance. */
  subscribe(licenseId: string): AsyncIterable<SlotUsageEvent>;
  /** Events of every license (staff dashboards filter them by tenant). */
  subscribeAll(): AsyncIterable<SlotUsageEvent>;
}

export interface Context {
  db: Db;
  services: Services;
  caller: Caller;
  slots: SlotSubscriptions;
}
