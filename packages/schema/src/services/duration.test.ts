import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.ts';

describe('durations', () => {
  it('reads Ns, Nm, Nh, Nd in seconds, and none as no limit', () => {
    expect(parseDuration('90s', 'lease')).toBe(90);
    expect(parseDuration('30m', 'lease')).toBe(1800);
    expect(parseDuration('12h', 'lease')).toBe(43_200);
    expect(parseDuration(' 7D ', 'lease')).toBe(604_800);
    expect(parseDuration('none', 'lease')).toBeNull();
  });

  it('refuses anything else, naming the option', () => {
    for (const bad of ['', '30', 'm', '1.5h', '-1d', '30 minutes', '7w', '1234567890s']) {
      expect(() => parseDuration(bad, '--lease')).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', field: '--lease' }));
    }
  });

  it('writes seconds back in the largest whole unit', () => {
    expect([604_800, 43_200, 1800, 90, 3660, 0, null].map(formatDuration)).toEqual(['7d', '12h', '30m', '90s', '61m', '0s', 'none']);
  });
});
