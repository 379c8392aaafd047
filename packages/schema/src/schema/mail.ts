import { builder } from '../builder.ts';
import { requireVendor } from '../services/caller.ts';
import { ForbiddenError, NotFoundError } from '../services/errors.ts';
import { RESET_REQUEST } from '../services/mail.ts';
import type { MailDelivery, OpenedMail } from '../services/mail-reader.ts';
import { listArgs, modelPage, orderBy } from './connection.ts';

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
    args: listArgs(t, 'MailMessage', ['createdAt', 'status', 'to'], (f) => ({ status: f.string({ required: false }), to: f.string({ required: false, description: 'Part of the address.' }) })),
    resolve: (_root, args, ctx, info) => {
      const where = ctx.services.admin.mailMessagesWhere(ctx.caller, args.filter);
      return modelPage(args, ctx, info, ctx.db.mailMessage, where, orderBy(args.orderBy, 'createdAt', 'desc'));
    },
  }),
);

builder.queryField('mailDelivery', (t) =>
  t.field({
    type: builder.objectRef<MailDelivery>('MailDelivery').implement({
      description: 'Whether e-mail leaves the server: without SMTP (SMTP_URL) messages are held in the outbox.',
      fields: (f) => ({
        configured: f.exposeBoolean('configured', { description: 'An SMTP server is configured: messages are sent.' }),
        held: f.exposeInt('held', { nullable: true, description: 'Messages held in the outbox; null for reseller admins, who cannot open them.' }),
      }),
    }),
    authScopes: { staff: true },
    description: 'Staff only: how mail is delivered, so that the dashboard says whether an e-mail is on its way.',
    resolve: (_root, _args, ctx) => ctx.services.mail.delivery(ctx.caller),
  }),
);

builder.mutationField('openMailMessage', (t) =>
  t.fieldWithInput({
    type: builder.objectRef<OpenedMail>('OpenMailMessageSuccess').implement({
      fields: (f) => ({
        mail: f.field({ type: MailMessageRef, description: 'Its outbox row.', resolve: (opened) => ({ ...opened.message, secret: null }) }),
        from: f.exposeString('from'),
        subject: f.exposeString('subject'),
        text: f.exposeString('text', { description: "The mail's text as sent, a queued one's generated password or reset code included." }),
      }),
    }),
    description:
      'Vendor admins only: a message as its recipient reads it. Without SMTP this is how a new login reaches its customer; every opening is in the audit log.',
    input: { id: t.input.id() },
    errors: { types: [ForbiddenError, NotFoundError] },
    resolve: (_root, { input }, ctx) => ctx.services.mail.open(ctx.caller, String(input.id)),
  }),
);
