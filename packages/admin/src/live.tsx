import { useQueryClient } from '@tanstack/react-query';
import { createClient } from 'graphql-sse';
import { useEffect, useSyncExternalStore } from 'react';
import { session } from './session.ts';
import { SLOT_EVENTS, type SlotEvent } from './slot-event.ts';

// Live slot usage: one graphql-sse subscription to slotUsageChanged (every license in the staff
// member's scope). Each event refreshes what shows seats and machines, and joins the feed.

export type LiveStatus = 'connecting' | 'live' | 'offline';

const FEED_LENGTH = 50;
let state: { status: LiveStatus; events: SlotEvent[] } = { status: 'connecting', events: [] };
const listeners = new Set<() => void>();
const update = (next: Partial<typeof state>) => {
  state = { ...state, ...next };
  for (const listener of listeners) listener();
};
const subscribe = (listener: () => void) => {
  listeners.add(listener);
  return () => listeners.delete(listener);
};

export const useLive = () => useSyncExternalStore(subscribe, () => state);

/** The queries an event can make stale (react-admin's query keys start with the resource). */
const AFFECTED = [['licenses'], ['activations'], ['customers'], ['seatUsage']];

/** Mounted once in the layout (so only while logged in): keeps the subscription open. */
export function LiveUpdates() {
  const queryClient = useQueryClient();
  const token = session.token();
  useEffect(() => {
    if (!token) return;
    update({ status: 'connecting', events: [] });
    const client = createClient({
      url: new URL('/graphql', window.location.href).href,
      headers: () => ({ authorization: `Bearer ${token}` }),
      singleConnection: false,
      retryAttempts: Number.POSITIVE_INFINITY,
      on: {
        connecting: () => update({ status: 'connecting' }),
        connected: () => update({ status: 'live' }),
      },
    });
    const stop = client.subscribe<{ slotUsageChanged: SlotEvent }>(
      { query: SLOT_EVENTS },
      {
        next: (result) => {
          const event = result.data?.slotUsageChanged;
          if (!event) return;
          update({ status: 'live', events: [event, ...state.events].slice(0, FEED_LENGTH) });
          for (const queryKey of AFFECTED) void queryClient.invalidateQueries({ queryKey });
        },
        error: () => update({ status: 'offline' }),
        complete: () => update({ status: 'offline' }),
      },
    );
    return () => {
      stop();
      client.dispose();
    };
  }, [token, queryClient]);
  return null;
}
