// What a shop's event means for licenses, whatever the shop: each adapter (stripe.ts; Paddle,
// FastSpring or Lemon Squeezy next) verifies its shop's signature and maps its events to these, and
// the one intake service (intake.ts) applies them. Times are ISO strings: a waiting event's intent is
// stored as JSON and applied later.

/** A price bought, and how many units. */
export interface PurchaseLine {
  priceId: string;
  quantity: number;
}

export type Intent =
  | {
      kind: 'purchase';
      /** The shop's order (Stripe checkout session id). */
      orderId: string;
      email: string;
      subscriptionId: string | null;
      /** The order's lines as the shop's API listed them; null when they were not read (no API key). */
      lines: PurchaseLine[] | null;
      /** slotkeeper_product, slotkeeper_seats, slotkeeper_reseller, as the order carried them. */
      metadata: { product?: string; seats?: string; reseller?: string };
      /** The shop's page of this purchase (the subscription or the payment). */
      dashboardUrl: string;
    }
  | { kind: 'renewal'; invoiceId: string; subscriptionId: string; periodEnd: string; cycle: boolean }
  | { kind: 'cancellation'; subscriptionId: string; endedAt: string }
  | { kind: 'quantity'; subscriptionId: string; items: PurchaseLine[] }
  | { kind: 'ignore'; reason: string }
  | { kind: 'reject'; reason: string };

/** One verified shop event, mapped. */
export interface ShopEventIn {
  shop: string;
  eventId: string;
  type: string;
  livemode: boolean;
  /** The shop's time of the event. */
  occurredAt: Date;
  /** The object applied at most once under any event id ("invoice:in_…"); null when there is none. */
  objectKey: string | null;
  /** The shop object named in the audit log (cs_…, in_…, sub_…). */
  objectId: string | null;
  intent: Intent;
}

/** A shop adapter: its signature check and its mapping. */
export interface ShopAdapter {
  readonly shop: string;
  /** Verifies the raw body against the request's signature headers; throws ShopSignatureError. */
  verify(rawBody: Buffer, headers: Headers): Promise<ShopEventIn>;
}

export class ShopSignatureError extends Error {}

/**
 * A purchase that names something this server does not have (a product code, a reseller): nothing is
 * recorded and the shop is told to try again, so that the sale goes through once the vendor fixes it.
 */
export class ShopConfigError extends Error {}
