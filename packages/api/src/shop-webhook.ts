// POST /webhooks/<shop>: a shop's signed events into the intake service. The body is read raw (the
// signature covers its bytes). Answers: 200 with what was done (applied, waiting, ignored, rejected,
// a replay or a duplicate: the shop must stop retrying), 400 for a missing, wrong or stale signature
// (nothing changed), 422 when the vendor must create what the purchase names (the shop retries), 404
// when the shop's secret is not configured, 500 when something failed (nothing changed; the shop retries).
import type { IntakeService } from '@slotkeeper/schema/services/commerce/intake';
import { type ShopAdapter, ShopConfigError, ShopSignatureError } from '@slotkeeper/schema/services/commerce/intent';
import { httpError } from './http/error-envelope.ts';
import type { Route } from './http/route-table.ts';
import type { Logger } from './logger.ts';

export function shopWebhookRoute(deps: { shop: string; secretName: string; adapter: ShopAdapter | null; intake: IntakeService; logger: Logger }): Route {
  const { shop, adapter, intake, logger } = deps;
  return {
    path: `/webhooks/${shop}`,
    methods: ['POST'],
    // The shop's few addresses send bursts after a sale or an outage; the signature check guards the route.
    unlimited: true,
    async handle({ request }) {
      if (!adapter) return httpError(404, 'NOT_FOUND', `The ${shop} intake is off on this server: set ${deps.secretName}.`);
      const body = Buffer.from(await request.arrayBuffer());
      let event;
      try {
        event = await adapter.verify(body, request.headers);
      } catch (error) {
        if (error instanceof ShopSignatureError) return httpError(400, 'BAD_SIGNATURE', `The ${shop} signature was refused: ${error.message}`);
        logger.error({ err: error, shop }, 'shop event could not be read');
        return httpError(500, 'INTERNAL', 'The event could not be read; nothing was changed. Send it again.');
      }
      try {
        const outcome = await intake.receive(event);
        logger.info({ shop, eventId: event.eventId, type: event.type, status: outcome.status, note: outcome.note }, 'shop event received');
        return Response.json({ received: true, status: outcome.status, note: outcome.note, licenses: outcome.licenseIds });
      } catch (error) {
        if (error instanceof ShopConfigError) {
          logger.warn({ shop, eventId: event.eventId, type: event.type, reason: error.message }, 'shop event waits for the vendor');
          return httpError(422, 'SHOP_CONFIGURATION', error.message);
        }
        logger.error({ err: error, shop, eventId: event.eventId }, 'shop event failed');
        return httpError(500, 'INTERNAL', 'The event failed; nothing was changed. Send it again.');
      }
    },
  };
}
