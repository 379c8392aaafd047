import { builder } from '../builder.ts';
import { requireStaff, scope } from '../services/caller.ts';
import { offsetPage, orderBy, orderInput } from './connection.ts';

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

const AuditFilter = builder.inputType('AuditEventFilter', {
  fields: (t) => ({
    action: t.string({ required: false }),
    subject: t.string({ required: false, description: 'Exact subject, e.g. license:<id>.' }),
    actor: t.string({ required: false }),
  }),
});

builder.queryField('auditEvents', (t) =>
  t.connection({
    type: AuditEventRef,
    authScopes: { staff: true },
    description: "Vendor admins see every event; reseller admins their reseller's.",
    args: {
      filter: t.arg({ type: AuditFilter, required: false }),
      orderBy: t.arg({ type: orderInput('AuditEvent', ['at', 'action', 'actor'] as const), required: false }),
    },
    resolve: (_root, args, ctx, info) => {
      const where = {
        ...scope.auditEvents(requireStaff(ctx.caller)),
        ...(args.filter?.action ? { action: args.filter.action } : {}),
        ...(args.filter?.subject ? { subject: args.filter.subject } : {}),
        ...(args.filter?.actor ? { actor: args.filter.actor } : {}),
      };
      return offsetPage(args, ctx, info, () => ctx.db.auditEvent.count({ where }), (query, page) =>
        ctx.db.auditEvent.findMany({ ...query, where, orderBy: args.orderBy ? orderBy(args.orderBy, 'at') : [{ at: 'desc' }, { id: 'asc' }], ...page }),
      );
    },
  }),
);
