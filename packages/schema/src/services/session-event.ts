import type { Caller } from './caller.ts';

/**
 * Sessions that just ended: one session, or every session of an account (password change or reset,
 * staff disabled) but `exceptSessionId`. JSON-safe: it crosses Redis, so every api instance ends the
 * subscriptions those sessions still hold open.
 */
export type SessionEnd =
  | { kind: 'customer' | 'staff'; sessionId: string }
  | { kind: 'customer' | 'staff'; accountId: string; exceptSessionId?: string };

export interface SessionEvents {
  /** Called after the transaction that ended the sessions has committed. */
  sessionEnded(end: SessionEnd): void;
}

export const SESSION_TOPIC = 'sessionEnded';

/** Whether `end` covers the session `caller` authenticated with. */
export function endsSessionOf(end: SessionEnd, caller: Caller): boolean {
  if (caller.kind === 'anonymous' || caller.kind !== end.kind) return false;
  if ('sessionId' in end) return end.sessionId === caller.sessionId;
  const accountId = caller.kind === 'customer' ? caller.customerId : caller.staffId;
  return end.accountId === accountId && end.exceptSessionId !== caller.sessionId;
}
