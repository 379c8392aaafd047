// A product's seat policy in words, and its durations as the forms take them (as the CLI writes
// them: 30m, 12h, 7d, none). The server keeps seconds; the dashboard never shows a bare number of them.

const UNITS = [
  { unit: 'd', size: 86_400, one: 'day', many: 'days' },
  { unit: 'h', size: 3600, one: 'h', many: 'h' },
  { unit: 'm', size: 60, one: 'min', many: 'min' },
  { unit: 's', size: 1, one: 's', many: 's' },
] as const;

const largest = (seconds: number) => UNITS.find((u) => seconds % u.size === 0)!;

/** "30 min", "12 h", "1 day", "7 days", "90 s"; "none" for no duration. */
export function durationWords(seconds: number | null | undefined): string {
  if (seconds == null || seconds <= 0) return 'none';
  const u = largest(seconds);
  const n = seconds / u.size;
  return `${n} ${n === 1 ? u.one : u.many}`;
}

/** The form's text for a duration: "30m", "7d"; "" for none. */
export function durationText(seconds: number | null | undefined): string {
  if (seconds == null) return '';
  const u = largest(seconds);
  return `${seconds / u.size}${u.unit}`;
}

/** Seconds of "30m", "12h", "7d", "45s"; null for "" or "none"; undefined when it is not a duration. */
export function durationSeconds(text: string): number | null | undefined {
  const value = text.trim().toLowerCase();
  if (value === '' || value === 'none') return null;
  const match = /^(\d{1,9})\s*([smhd])$/.exec(value);
  const seconds = match ? Number(match[1]) * UNITS.find((u) => u.unit === match[2])!.size : 0;
  return seconds >= 1 && Number.isSafeInteger(seconds) ? seconds : undefined;
}

/** A react-admin validator for a duration input (its value is the text typed, or the stored seconds). */
export const validDuration = (value: unknown) =>
  typeof value === 'string' && durationSeconds(value) === undefined ? 'A duration such as 30m, 12h or 7d, or "none"' : undefined;

export interface SeatPolicy {
  leaseSeconds?: number | null;
  maxBorrowSeconds?: number | null;
  overagePercent?: number | null;
  revivalWindowSeconds?: number | null;
  trialSeconds?: number | null;
  entitlements?: string[] | null;
}

export const leaseWords = (p: SeatPolicy) => (p.leaseSeconds ? `${durationWords(p.leaseSeconds)} lease` : 'none (tokens last until the license expires)');
export const borrowWords = (p: SeatPolicy) => (p.maxBorrowSeconds ? `up to ${durationWords(p.maxBorrowSeconds)}` : 'none');
export const overageWords = (p: SeatPolicy) => (p.overagePercent ? `${p.overagePercent} % over the seats` : 'none');
export const trialWords = (p: SeatPolicy) => (p.trialSeconds ? `${durationWords(p.trialSeconds)} per machine` : 'none');
export const revivalWords = (p: SeatPolicy) => (p.revivalWindowSeconds ? `within ${durationWords(p.revivalWindowSeconds)} of expiry` : 'while the license lives');
export const entitlementWords = (codes: string[] | null | undefined) => (codes?.length ? codes.join(', ') : 'none');

/** The dashboard's upsell line: "Denied 3 times in the last 30 days". */
export function deniedWords(count: number): string {
  if (count === 0) return 'Not denied in the last 30 days';
  return `Denied ${count} ${count === 1 ? 'time' : 'times'} in the last 30 days`;
}
