import type { Activation, ReleaseReason } from '../generated/prisma/client.ts';

export type SlotChange = 'ACTIVATED' | 'DEACTIVATED' | 'RELEASED';

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
