import type { Activation, License, ReleaseReason } from '../generated/prisma/client.ts';
import type { Work } from './db.ts';

/** LEASE_EXPIRED: the slot healed, its token having expired unrenewed (README "Seat policies"). */
export type SlotChange = 'ACTIVATED' | 'DEACTIVATED' | 'RELEASED' | 'LEASE_EXPIRED';

/** What every slot change publishes. JSON-safe (dates as ISO strings): it crosses Redis between instances. */
export interface SlotUsageEvent {
  licenseId: string;
  customerId: string;
  /** The license's reseller (staff streams filter on it); null for a direct sale. */
  resellerId: string | null;
  seats: number;
  seatsUsed: number;
  change: SlotChange;
  at: string;
  activation: {
    id: string;
    licenseId: string;
    machineName: string;
    osUser: string;
    activatedAt: string;
    lastSeenAt: string;
    releasedAt: string | null;
    releaseReason: ReleaseReason | null;
  };
}

export interface SlotEvents {
  publish(event: SlotUsageEvent): void;
}

/** Publishes a slot change once the transaction that made it has committed (a rolled-back change is never heard of). */
export function publishSlotChange(
  work: Work,
  events: SlotEvents,
  change: SlotChange,
  license: License & { seatsUsed: number },
  activation: Activation,
  at: Date,
) {
  const event: SlotUsageEvent = {
    licenseId: license.id,
    customerId: license.customerId,
    resellerId: license.resellerId,
    seats: license.seats,
    seatsUsed: license.seatsUsed,
    change,
    at: at.toISOString(),
    activation: activationSnapshot(activation),
  };
  work.afterCommit(() => events.publish(event));
}

export const SLOT_TOPIC = 'slotUsageChanged';

export function activationSnapshot(a: Activation): SlotUsageEvent['activation'] {
  return {
    id: a.id,
    licenseId: a.licenseId,
    machineName: a.machineName,
    osUser: a.osUser,
    activatedAt: a.activatedAt.toISOString(),
    lastSeenAt: a.lastSeenAt.toISOString(),
    releasedAt: a.releasedAt?.toISOString() ?? null,
    releaseReason: a.releaseReason,
  };
}
