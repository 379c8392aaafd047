import { type ComponentType, type LazyExoticComponent, lazy } from 'react';

type Page = 'list' | 'show' | 'edit' | 'create';
type Load = () => Promise<{ default: ComponentType }>;

/** A resource's pages for its `index.ts`, each loaded the first time it is shown (a chunk per page). */
export function lazyPages<P extends Page>(pages: Record<P, Load>) {
  const loaded = Object.entries<Load>(pages).map(([page, load]) => [page, lazy(load)]);
  return Object.fromEntries(loaded) as Record<P, LazyExoticComponent<ComponentType>>;
}
