// The seat policy as the dashboard says it: durations in words, the form's text read back as seconds.
import { expect, it } from 'vitest';
import { deniedWords, durationSeconds, durationText, durationWords, entitlementWords, leaseWords, overageWords, trialWords, validDuration } from './policy.ts';

it('says durations in words, in the largest exact unit', () => {
  expect(durationWords(1800)).toBe('30 min');
  expect(durationWords(5400)).toBe('90 min');
  expect(durationWords(43_200)).toBe('12 h');
  expect(durationWords(86_400)).toBe('1 day');
  expect(durationWords(14 * 86_400)).toBe('14 days');
  expect(durationWords(90)).toBe('90 s');
  expect(durationWords(null)).toBe('none');
});

it('reads back what it writes, and refuses what is not a duration', () => {
  for (const seconds of [45, 1800, 5400, 43_200, 7 * 86_400]) expect(durationSeconds(durationText(seconds))).toBe(seconds);
  expect(durationText(null)).toBe('');
  expect(durationSeconds(' none ')).toBeNull();
  expect(durationSeconds('')).toBeNull();
  expect(durationSeconds('12H')).toBe(43_200);
  for (const bad of ['30', '0m', '1w', '-5m', '1.5h', 'soon']) expect(durationSeconds(bad), bad).toBeUndefined();
  expect(validDuration('1w')).toMatch(/duration such as 30m/);
  expect(validDuration('30m')).toBeUndefined();
  // The stored seconds of an untouched input are valid as they are.
  expect(validDuration(1800)).toBeUndefined();
});

it('names each policy, and says "none" for what is not set', () => {
  expect(leaseWords({ leaseSeconds: 1800 })).toBe('30 min lease');
  expect(leaseWords({ leaseSeconds: null })).toMatch(/^none/);
  expect(overageWords({ overagePercent: 25 })).toBe('25 % over the seats');
  expect(overageWords({ overagePercent: 0 })).toBe('none');
  expect(trialWords({ trialSeconds: 14 * 86_400 })).toBe('14 days per machine');
  expect(entitlementWords(['ifc-export', 'batch'])).toBe('ifc-export, batch');
  expect(entitlementWords([])).toBe('none');
  expect(deniedWords(0)).toBe('Not denied in the last 30 days');
  expect(deniedWords(1)).toBe('Denied 1 time in the last 30 days');
  expect(deniedWords(3)).toBe('Denied 3 times in the last 30 days');
});
