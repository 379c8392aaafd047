// Every HTTP route the server answers beside GraphQL's own endpoint, in one table. Each route says
// its methods and whether the per-address rate limit counts it and the access log shows it at info
// (http/route-table.ts); the handlers live with their concern.
import type { Services } from '@slotkeeper/schema/services/services';
import { adminRoutes } from './admin-static.ts';
import { type Route, type RouteTable, createRouteTable } from './http/route-table.ts';
import { resetPageRoute } from './reset-page.ts';

export interface ServerRoutes {
  services: Services;
  vendorName: string;
  /** Resolves when every part the server needs answers (database, Redis). */
  ready(): Promise<void>;
  metrics: Route;
  rest: Route[];
  /** POST /webhooks/<shop> of each shop adapter (shop-webhook.ts). */
  shops: Route[];
}

export function serverRoutes(deps: ServerRoutes): RouteTable {
  const { signer } = deps.services;
  return createRouteTable([
    { path: '/healthz', unlimited: true, quiet: true, handle: () => Response.json({ status: 'ok' }) },
    {
      path: '/readyz',
      unlimited: true,
      quiet: true,
      async handle() {
        try {
          await deps.ready();
          return Response.json({ status: 'ready' });
        } catch (error) {
          return Response.json({ status: 'unavailable', reason: (error as Error).message }, { status: 503 });
        }
      },
    },
    deps.metrics,
    {
      path: '/.well-known/jwks.json',
      handle: async () => Response.json(await signer.jwks(), { headers: { 'cache-control': 'public, max-age=300' } }),
    },
    {
      // The same keys signed by the root key: the only form in which the SDK accepts a key it did not ship with.
      path: '/.well-known/jwks.jws',
      handle: async () =>
        new Response(await signer.signedJwks(), { headers: { 'content-type': 'application/jose', 'cache-control': 'public, max-age=300' } }),
    },
    resetPageRoute(deps.services, deps.vendorName),
    ...adminRoutes(),
    ...deps.shops,
    ...deps.rest,
  ]);
}
