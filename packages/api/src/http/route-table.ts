// Every HTTP route beside GraphQL, in one table: its path, the methods it answers, its handler and
// the flags the cross-cutting plugins read (per-address rate limit, access log). The table answers a
// known path with a method it does not list by 405 and Allow, in the HTTP error envelope.
import type { Plugin } from 'graphql-yoga';
import { httpError } from './error-envelope.ts';

export type RequestPayload = Parameters<NonNullable<Plugin['onRequest']>>[0];

export interface Route {
  /** The path itself; with `prefix`, also every path below it (`/admin/` → `/admin/licenses`). */
  path: string;
  prefix?: boolean;
  /** The methods answered; any other gets 405. Absent: every method (probes answer whatever asks). */
  methods?: readonly string[];
  /** The answer, or nothing when the handler ends the response itself (SOFA does). */
  handle(payload: RequestPayload): Response | undefined | Promise<Response | undefined>;
  /** Not counted by the per-address rate limit: load balancers and scrapers must always get an answer. */
  unlimited?: boolean;
  /** Its access line is written at debug, not info: probes and scrapes would drown the log. */
  quiet?: boolean;
}

export interface RouteTable {
  routes: readonly Route[];
  /** The route that serves `pathname`: an exact one first, else the longest prefix. */
  find(pathname: string): Route | undefined;
  /** The yoga plugin that dispatches to the routes (GraphQL's endpoint is not in the table). */
  plugin: Plugin;
}

const covers = (route: Route, pathname: string) =>
  pathname === route.path || (route.prefix === true && pathname.startsWith(route.path.endsWith('/') ? route.path : `${route.path}/`));

export function createRouteTable(routes: readonly Route[]): RouteTable {
  const exact = new Map(routes.filter((r) => !r.prefix).map((r) => [r.path, r]));
  const prefixes = routes.filter((r) => r.prefix).sort((a, b) => b.path.length - a.path.length);
  const find = (pathname: string) => exact.get(pathname) ?? prefixes.find((r) => covers(r, pathname));
  return {
    routes,
    find,
    plugin: {
      async onRequest(payload) {
        const route = find(payload.url.pathname);
        if (!route) return;
        const { request, url, endResponse } = payload;
        if (route.methods && !route.methods.includes(request.method)) {
          const allow = route.methods.join(', ');
          return endResponse(httpError(405, 'METHOD_NOT_ALLOWED', `Use ${allow} for ${url.pathname}.`, { headers: { allow } }));
        }
        const response = await route.handle(payload);
        if (response) endResponse(response);
      },
    },
  };
}
