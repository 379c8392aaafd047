import { builder } from '../builder.ts';
import { offsetPage, orderBy, orderInput } from './connection.ts';

const MailMessageRef = builder.prismaObject('MailMessage', {
  description: 'An e-mail in the outbox. Vendor admins only: messages can hold generated passwords until sent.',
  fields: (t) => ({
    id: t.exposeID('id'),
    to: t.exposeString('to'),
    template: t.exposeString('template'),
    status: t.exposeString('status', { description: 'PENDING, SENDING, SENT, FAILED or HELD (no SMTP server configured).' }),
    attempts: t.exposeInt('attempts'),
    lastError: t.exposeString('lastError', { nullable: true }),
    nextAttemptAt: t.expose('nextAttemptAt', { type: 'DateTime' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    sentAt: t.expose('sentAt', { type: 'DateTime', nullable: true }),
  }),
});

builder.queryField('mailMessages', (t) =>
  t.connection({
    type: MailMessageRef,
    authScopes: { vendor: true },
    args: {
      filter: t.arg({
        type: builder.inputType('MailMessageFilter', {
          fields: (f) => ({ status: f.string({ required: false }), to: f.string({ required: false, description: 'Part of the address.' }) }),
        }),
        required: false,
      }),
      orderBy: t.arg({ type: orderInput('MailMessage', ['createdAt', 'status', 'to'] as const), required: false }),
    },
    resolve: (_root, args, ctx, info) => {
      const where = ctx.services.admin.mailMessagesWhere(ctx.caller, args.filter);
      return offsetPage(args, ctx, info, () => ctx.db.mailMessage.count({ where }), (query, page) =>
        ctx.db.mailMessage.findMany({ ...query, where, orderBy: args.orderBy ? orderBy(args.orderBy, 'createdAt') : [{ createdAt: 'desc' }, { id: 'asc' }], ...page }),
      );
    },
  }),
);
