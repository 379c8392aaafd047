import { useQuery } from '@tanstack/react-query';
import { useDataProvider } from 'react-admin';
import type { SlotkeeperDataProvider } from '../dataProvider.ts';

/** The days the home page's activity figures cover. */
export const ACTIVITY_DAYS = 30;

/**
 * Machines activated and activations refused per day, in all and per reseller. Keyed under
 * `seatUsage`, so the live feed's events refresh it with the other seat figures.
 */
export function useSeatActivity() {
  const dataProvider = useDataProvider<SlotkeeperDataProvider>();
  return useQuery({ queryKey: ['seatUsage', 'activity', ACTIVITY_DAYS], queryFn: () => dataProvider.seatActivity(ACTIVITY_DAYS) });
}

export const total = (points: { activations: number; denied: number }[], figure: 'activations' | 'denied') => points.reduce((n, p) => n + p[figure], 0);
