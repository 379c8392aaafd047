import { builder } from '../builder.ts';
import { requireStaff, scope } from '../services/caller.ts';
import { listArgs, modelPage, orderBy } from './connection.ts';

const AuditEventRef = builder.prismaObject('AuditEvent', {
  description: 'Who changed what, when (before → after in `data`).',
  fields: (t) => ({
    id: t.exposeID('id'),
    actor: t.exposeString('actor'),
    action: t.exposeString('action'),
    subject: t.exposeString('subject', { description: '`license:<id>`, `customer:<id>`, `activation:<id>`, …' }),
    resellerId: t.exposeID('resellerId', { nullable: true }),
    data: t.string({ nullable: true, description: 'JSON', resolve: (event) => (event.data == null ? null : JSON.stringify(event.data)) }),
    at: t.expose('at', { type: 'DateTime' }),
  }),
});

builder.queryField('auditEvents', (t) =>
  t.connection({
    type: AuditEventRef,
    authScopes: { staff: true },
    description: "Vendor admins see every event; reseller admins their reseller's.",
    args: listArgs(t, 'AuditEvent', ['at', 'action', 'actor'], (f) => ({
      action: f.string({ required: false }),
      subject: f.string({ required: false, description: 'Exact subject, e.g. license:<id>.' }),
      actor: f.string({ required: false }),
      licenseId: f.id({ required: false, description: "A license's history: its own events and its machines' releases." }),
    })),
    resolve: (_root, args, ctx, info) => {
      const where = {
        ...scope.auditEvents(requireStaff(ctx.caller)),
        ...(args.filter?.action ? { action: args.filter.action } : {}),
        ...(args.filter?.subject ? { subject: args.filter.subject } : {}),
        ...(args.filter?.actor ? { actor: args.filter.actor } : {}),
        ...(args.filter?.licenseId
          ? { OR: [{ subject: `license:${args.filter.licenseId}` }, { data: { path: ['license'], equals: String(args.filter.licenseId) } }] }
          : {}),
      };
      return modelPage(args, ctx, info, ctx.db.auditEvent, where, orderBy(args.orderBy, 'at', 'desc'));
    },
  }),
);
