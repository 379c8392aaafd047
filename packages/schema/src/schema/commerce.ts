import { builder } from '../builder.ts';

/** Where a license was bought (shop intake, services/commerce/). */
builder.prismaObject('ShopLink', {
  name: 'ShopPurchase',
  description: "The shop order a license came from, and the subscription it follows.",
  fields: (t) => ({
    shop: t.exposeString('shop', { description: 'The shop: "stripe".' }),
    orderId: t.exposeString('orderId', { description: "The shop's order (Stripe checkout session id)." }),
    subscriptionId: t.exposeString('subscriptionId', { nullable: true, description: 'The subscription the license follows; null for a one-time purchase.' }),
    livemode: t.exposeBoolean('livemode', { description: "False for the shop's test mode." }),
    url: t.exposeString('dashboardUrl', { description: "The purchase in the shop's dashboard (the subscription or the payment)." }),
    endedAt: t.expose('endedAt', { type: 'DateTime', nullable: true, description: 'When the subscription ended.' }),
  }),
});
