// The Stripe adapter: the signature check (the `stripe` package's own constructEvent) and the mapping
// of the Stripe events that matter for licenses to shop-neutral intents. With an API key the
// checkout's line items are read from Stripe's API (its host may be a stand-in: STRIPE_API_BASE).
import Stripe from 'stripe';
import type { Clock } from '../db.ts';
import { type Intent, type PurchaseLine, type ShopAdapter, type ShopEventIn, ShopSignatureError } from './intent.ts';

export interface StripeAdapterConfig {
  webhookSecret: string;
  apiKey: string | null;
  /** Where Stripe's API is reached (tests: a local stand-in); null: api.stripe.com. */
  apiBase: URL | null;
  /** How old a signature's timestamp may be, in seconds (Stripe's default, 300). */
  toleranceSeconds?: number;
}

const DASHBOARD = 'https://dashboard.stripe.com/';

const idOf = (value: string | { id: string } | null | undefined) => (typeof value === 'string' ? value : (value?.id ?? null));

function dashboardUrl(livemode: boolean, path: string) {
  return `${DASHBOARD}${livemode ? '' : 'test/'}${path}`;
}

function purchase(session: Stripe.Checkout.Session, livemode: boolean, lines: PurchaseLine[] | null): Intent {
  if (session.mode !== 'payment' && session.mode !== 'subscription') return { kind: 'ignore', reason: `checkout in ${session.mode} mode sells nothing` };
  if (session.payment_status === 'unpaid') {
    return { kind: 'ignore', reason: 'not paid yet: the license follows checkout.session.async_payment_succeeded' };
  }
  const email = session.customer_details?.email ?? session.customer_email;
  if (!email) return { kind: 'reject', reason: 'the checkout has no customer e-mail' };
  const subscriptionId = idOf(session.subscription);
  const paymentId = idOf(session.payment_intent);
  const metadata = session.metadata ?? {};
  return {
    kind: 'purchase',
    orderId: session.id,
    email,
    subscriptionId,
    lines,
    metadata: { product: metadata.slotkeeper_product, seats: metadata.slotkeeper_seats, reseller: metadata.slotkeeper_reseller },
    dashboardUrl: dashboardUrl(
      livemode,
      subscriptionId ? `subscriptions/${subscriptionId}` : paymentId ? `payments/${paymentId}` : `checkout/sessions/${session.id}`,
    ),
  };
}

/** The subscription of an invoice: `parent.subscription_details` (API 2025-03-31 on), `subscription` before. */
function invoiceSubscription(invoice: Stripe.Invoice): string | null {
  const legacy = (invoice as unknown as { subscription?: string | { id: string } | null }).subscription;
  return idOf(invoice.parent?.subscription_details?.subscription ?? legacy);
}

function renewal(invoice: Stripe.Invoice): Intent {
  const subscriptionId = invoiceSubscription(invoice);
  if (!subscriptionId) return { kind: 'ignore', reason: 'an invoice of no subscription' };
  // The paid service period is on the lines; the invoice's own period_end is the previous period's.
  const ends = (invoice.lines?.data ?? []).map((line) => line.period?.end).filter((end): end is number => typeof end === 'number');
  const periodEnd = ends.length ? Math.max(...ends) : invoice.period_end;
  if (typeof periodEnd !== 'number') return { kind: 'reject', reason: 'the invoice has no period end' };
  return { kind: 'renewal', invoiceId: invoice.id, subscriptionId, periodEnd: new Date(periodEnd * 1000).toISOString(), cycle: invoice.billing_reason === 'subscription_cycle' };
}

function items(subscription: Stripe.Subscription): PurchaseLine[] {
  return subscription.items.data.map((item) => ({ priceId: item.price.id, quantity: item.quantity ?? 1 }));
}

async function intentOf(event: Stripe.Event, lineItems: (sessionId: string) => Promise<PurchaseLine[] | null>): Promise<{ intent: Intent; objectKey: string | null; objectId: string | null }> {
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded': {
      const session = event.data.object;
      const intent = purchase(session, event.livemode, null);
      if (intent.kind !== 'purchase') return { intent, objectKey: null, objectId: session.id };
      return { intent: { ...intent, lines: await lineItems(session.id) }, objectKey: `checkout:${session.id}`, objectId: session.id };
    }
    case 'invoice.paid': {
      const invoice = event.data.object;
      const intent = renewal(invoice);
      return { intent, objectKey: intent.kind === 'renewal' ? `invoice:${invoice.id}` : null, objectId: invoice.id ?? null };
    }
    case 'customer.subscription.deleted': {
      const subscription = event.data.object;
      const ended = subscription.ended_at ?? subscription.canceled_at ?? event.created;
      return {
        intent: { kind: 'cancellation', subscriptionId: subscription.id, endedAt: new Date(ended * 1000).toISOString() },
        objectKey: `subscription-end:${subscription.id}`,
        objectId: subscription.id,
      };
    }
    case 'customer.subscription.updated': {
      const subscription = event.data.object;
      const previous = (event.data.previous_attributes ?? {}) as Record<string, unknown>;
      if (!('items' in previous) && !('quantity' in previous)) {
        return { intent: { kind: 'ignore', reason: 'no quantity change' }, objectKey: null, objectId: subscription.id };
      }
      // Ordered by the event's time, not by an object of its own: every change is another state of one subscription.
      return { intent: { kind: 'quantity', subscriptionId: subscription.id, items: items(subscription) }, objectKey: null, objectId: subscription.id };
    }
    default:
      return { intent: { kind: 'ignore', reason: `${event.type} is not used` }, objectKey: null, objectId: null };
  }
}

export function createStripeAdapter(config: StripeAdapterConfig, clock: Clock): ShopAdapter {
  const { apiBase } = config;
  const client = config.apiKey
    ? new Stripe(config.apiKey, {
        ...(apiBase ? { host: apiBase.hostname, port: apiBase.port || (apiBase.protocol === 'https:' ? 443 : 80), protocol: apiBase.protocol === 'http:' ? 'http' : 'https' } : {}),
        maxNetworkRetries: 2,
        timeout: 10_000,
        telemetry: false,
      })
    : null;

  async function lineItems(sessionId: string): Promise<PurchaseLine[] | null> {
    if (!client) return null;
    const lines: PurchaseLine[] = [];
    for await (const item of client.checkout.sessions.listLineItems(sessionId, { limit: 100 })) {
      if (item.price) lines.push({ priceId: item.price.id, quantity: item.quantity ?? 1 });
    }
    return lines;
  }

  return {
    shop: 'stripe',
    async verify(rawBody, headers) {
      const signature = headers.get('stripe-signature');
      if (!signature) throw new ShopSignatureError('No Stripe-Signature header.');
      let event: Stripe.Event;
      try {
        event = Stripe.webhooks.constructEvent(rawBody, signature, config.webhookSecret, config.toleranceSeconds, undefined, clock.now().getTime());
      } catch (error) {
        throw new ShopSignatureError((error as Error).message);
      }
      if (typeof event.id !== 'string' || typeof event.type !== 'string') throw new ShopSignatureError('The signed body is not a Stripe event.');
      const occurredAt = Number.isFinite(event.created) ? new Date(event.created * 1000) : clock.now();
      const base = { shop: 'stripe', eventId: event.id, type: event.type, livemode: event.livemode === true, occurredAt };
      try {
        return { ...base, ...(await intentOf(event, lineItems)) } satisfies ShopEventIn;
      } catch (error) {
        // Stripe's API failing is worth a retry (the caller answers 5xx); a signed body of the wrong shape is not.
        if (error instanceof Stripe.errors.StripeError) throw error;
        return { ...base, objectKey: null, objectId: null, intent: { kind: 'reject', reason: `malformed ${event.type}: ${(error as Error).message}` } };
      }
    },
  };
}
