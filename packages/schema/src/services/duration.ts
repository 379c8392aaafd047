// Durations as operators and the CLI write them: `Ns`, `Nm`, `Nh`, `Nd`, or `none`. One parser for
// every policy setting that takes one (leases, borrowing, revival window, trials; a shop's license duration and renewal grace).
import { InvalidInputError } from './errors.ts';

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
const DURATION = /^(\d{1,9})([smhd])$/;

/** Seconds of `30m`, `12h`, `7d`…; null for `none`; INVALID_INPUT naming `field` for anything else. */
export function parseDuration(text: string, field: string): number | null {
  const value = text.trim().toLowerCase();
  if (value === 'none') return null;
  const match = DURATION.exec(value);
  const seconds = match ? Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS] : 0;
  if (!match || seconds < 1 || !Number.isSafeInteger(seconds)) {
    throw new InvalidInputError(field, `${field} must be a duration such as 30s, 30m, 12h or 7d, or "none".`);
  }
  return seconds;
}

/** The shortest exact way to write `seconds` (`90m`, not `5400s`); `none` for null. */
export function formatDuration(seconds: number | null): string {
  if (seconds == null) return 'none';
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60]] as const) {
    if (seconds > 0 && seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}
