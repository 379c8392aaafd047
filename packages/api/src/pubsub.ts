import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import type { SlotSubscriptions } from '@slotkeeper/schema/context';
import { SESSION_TOPIC, type SessionEnd, type SessionEvents } from '@slotkeeper/schema/services/session-event';
import { SLOT_TOPIC, type SlotEvents, type SlotUsageEvent } from '@slotkeeper/schema/services/slot-event';
import { createPubSub } from 'graphql-yoga';
import type { Redis } from 'ioredis';

const ALL = `${SLOT_TOPIC}:all`;

export interface SlotPubSub extends SlotEvents, SlotSubscriptions, SessionEvents {
  /** Calls `listener` with every session end, from every api instance, until the returned function is called. */
  onSessionEnded(listener: (end: SessionEnd) => void): () => void;
  close(): Promise<void>;
}

/**
 * Slot events and session ends in-process by default; through Redis when given one, so every api instance sees them.
 * `redis` publishes; a duplicate connection subscribes (a subscribed Redis connection can do nothing else).
 */
export function createSlotPubSub(redis: Redis | null): SlotPubSub {
  const subscribeClient = redis?.duplicate() ?? null;
  const pubSub = createPubSub<{
    [SLOT_TOPIC]: [licenseId: string, event: SlotUsageEvent];
    [ALL]: [event: SlotUsageEvent];
    [SESSION_TOPIC]: [end: SessionEnd];
  }>(
    redis && subscribeClient ? { eventTarget: createRedisEventTarget({ publishClient: redis, subscribeClient }) } : undefined,
  );
  return {
    publish(event) {
      pubSub.publish(SLOT_TOPIC, event.licenseId, event);
      pubSub.publish(ALL, event);
    },
    subscribe: (licenseId) => pubSub.subscribe(SLOT_TOPIC, licenseId),
    subscribeAll: () => pubSub.subscribe(ALL),
    sessionEnded(end) {
      pubSub.publish(SESSION_TOPIC, end);
    },
    onSessionEnded(listener) {
      const ends = pubSub.subscribe(SESSION_TOPIC)[Symbol.asyncIterator]();
      void (async () => {
        for (let step = await ends.next(); !step.done; step = await ends.next()) listener(step.value);
      })();
      return () => void ends.return?.();
    },
    async close() {
      if (!subscribeClient) return;
      // The event target unsubscribes without awaiting: let that settle before quitting.
      await new Promise((resolve) => setTimeout(resolve, 50));
      await subscribeClient.quit();
    },
  };
}
