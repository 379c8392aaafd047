import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import type { SlotSubscriptions } from '@slotkeeper/schema/context';
import { SLOT_TOPIC, type SlotEvents, type SlotUsageEvent } from '@slotkeeper/schema/services/slot-event';
import { createPubSub } from 'graphql-yoga';
import { Redis } from 'ioredis';

export interface SlotPubSub extends SlotEvents, SlotSubscriptions {
  /** Rejects when Redis (if used) does not answer. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** Slot events in-process by default; through Redis with REDIS_URL, so every api instance sees them. */
export function createSlotPubSub(redisUrl: string | null): SlotPubSub {
  let redis: { publishClient: Redis; subscribeClient: Redis } | null = null;
  if (redisUrl) {
    redis = { publishClient: new Redis(redisUrl), subscribeClient: new Redis(redisUrl) };
  }
  const pubSub = createPubSub<{ [SLOT_TOPIC]: [licenseId: string, event: SlotUsageEvent] }>(
    redis ? { eventTarget: createRedisEventTarget(redis) } : undefined,
  );
  return {
    publish: (event) => pubSub.publish(SLOT_TOPIC, event.licenseId, event),
    subscribe: (licenseId) => pubSub.subscribe(SLOT_TOPIC, licenseId),
    async ready() {
      if (redis) await redis.publishClient.ping();
    },
    async close() {
      if (!redis) return;
      // The event target unsubscribes without awaiting: let that settle before quitting.
      await new Promise((resolve) => setTimeout(resolve, 50));
      await Promise.all([redis.publishClient.quit(), redis.subscribeClient.quit()]);
    },
  };
}
