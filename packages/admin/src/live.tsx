import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useSyncExternalStore } from 'react';
import { useRefresh } from 'react-admin';
import { type LiveStatus, keepSubscribed } from './live-subscription.ts';
import { session } from './session.ts';
import { SLOT_EVENTS, type SlotEvent } from './slot-event.ts';

// Live slot usage: one graphql-sse subscription to slotUsageChanged (every license in the staff
// member's scope). Each event refreshes what shows seats and machines, and joins the feed; after a
// reconnect (a deploy, a network drop) the page refetches everything it shows, so events of the gap
// are not lost to the screen.

export type { LiveStatus };


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
  const refresh = useRefresh();
  const token = session.token();
  useEffect(() => {
    if (!token) return;
    update({ status: 'connecting', events: [] });
    return keepSubscribed<{ slotUsageChanged: SlotEvent }>({
      url: new URL('/graphql', window.location.href).href,
      headers: () => ({ authorization: `Bearer ${token}` }),
      query: SLOT_EVENTS,
      onStatus: (status) => update({ status }),
      onReconnect: refresh,
      onResult: (result) => {
        const event = result.data?.slotUsageChanged;
        if (!event) return;
        update({ status: 'live', events: [event, ...state.events].slice(0, FEED_LENGTH) });
        for (const queryKey of AFFECTED) void queryClient.invalidateQueries({ queryKey });
      },
    });
  }, [token, queryClient, refresh]);
  return null;
}
