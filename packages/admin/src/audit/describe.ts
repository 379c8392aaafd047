// Audit events in words, for the license history and the audit log: "Seats 3 → 2, released
// PC-7 (alice)" instead of `{"before":{"seats":3},"after":{"seats":2},"released":["…"]}`.

type Data = { before?: Record<string, unknown>; after?: Record<string, unknown>; [key: string]: unknown };

const day = (value: unknown) => (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) ? value.slice(0, 10) : String(value ?? '—'));
const shown = (value: unknown) => (value === null || value === undefined || value === '' ? '—' : typeof value === 'object' ? JSON.stringify(value) : day(value));
const time = (value: unknown) => (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value) ? `${value.slice(0, 10)} ${value.slice(11, 16)} UTC` : shown(value));
const list = (value: unknown) => (Array.isArray(value) && value.length ? value.join(', ') : 'none');
const words = (key: string) => key.replace(/([A-Z])/g, ' $1').replace(/Url$/, ' link').toLowerCase();
const status = (value: unknown) => String(value ?? '').charAt(0) + String(value ?? '').slice(1).toLowerCase();

/** "name: Old → New; lease days: — → 30" for whatever changed between `before` and `after`. */
function changes(data: Data): string {
  const keys = [...new Set([...Object.keys(data.before ?? {}), ...Object.keys(data.after ?? {})])];
  return keys.map((k) => `${words(k)}: ${shown(data.before?.[k])} → ${shown(data.after?.[k])}`).join('; ');
}

const TITLES: Record<string, string> = {
  'license.issued': 'License issued',
  'license.suspend': 'Suspended',
  'license.resume': 'Resumed',
  'license.revoke': 'Revoked',
  'license.seats_changed': 'Seats changed',
  'license.expiry_changed': 'Expiry changed',
  'activation.released': 'Machine released',
  'activation.lease_expired': 'Lease expired',
  'license.entitlements_changed': 'Entitlements changed',
  'trial.started': 'Trial started',
  'trial.purchased': 'Trial bought',
  'customer.credentials_resent': 'New password e-mailed',
  'customer.password_reset_sent': 'Password reset e-mailed',
  'customer.email_changed': 'Login e-mail changed',
  'customer.login_lockout_cleared': 'Log-in lock-out cleared',
  'staff.created': 'Staff member created',
  'staff.disabled': 'Staff member disabled',
  'staff.password_changed': 'Password changed',
  'staff.login_lockout_cleared': 'Log-in lock-out cleared',
  'reseller.created': 'Reseller created',
  'reseller.renamed': 'Reseller renamed',
  'reseller.merged': 'Resellers merged',
  'product.created': 'Product created',
  'product.updated': 'Product changed',
  'mail.opened': 'E-mail opened',
  'webhook.added': 'Webhook endpoint added',
  'webhook.updated': 'Webhook endpoint changed',
  'webhook.removed': 'Webhook endpoint removed',
  'webhook.secret_rotated': 'Webhook secret rotated',
};

/** The event's action in words ("Seats changed"); an unknown action as it is stored. */
export const actionTitle = (action: string) => TITLES[action] ?? action;

/** What changed, in a sentence; `raw` is the event's `data` as the API gives it (JSON text). */
export function describeChange(action: string, raw: string | null): string {
  let data: Data;
  try {
    data = raw ? (JSON.parse(raw) as Data) : {};
  } catch {
    return raw ?? '';
  }
  const after = data.after ?? {};
  switch (action) {
    case 'license.issued':
      return `${after.seats} seat(s) of ${after.product} to ${after.email}${after.reseller ? ` (sold by ${after.reseller})` : ''}, until ${day(after.expiresAt)}${after.newCustomer ? '; new customer' : ''}`;
    case 'license.suspend':
    case 'license.resume':
    case 'license.revoke':
      return `${status(data.before?.status)} → ${status(after.status)}`;
    case 'license.seats_changed': {
      const machines = (data.machines as string[] | undefined) ?? [];
      const released = machines.length ? machines.join(', ') : (data.released as unknown[] | undefined)?.length ? `${(data.released as unknown[]).length} machine(s)` : '';
      return `${data.before?.seats} → ${after.seats} seats${released ? `; released ${released}` : ''}`;
    }
    case 'license.expiry_changed':
      return `${day(data.before?.expiresAt)} → ${day(after.expiresAt)}`;
    case 'activation.lease_expired':
      // The sweeper found it, or an activation wanting the seat reclaimed it.
      return `Seat released from ${data.machineName} (${data.osUser}): its token expired ${time(data.tokenExpiredAt)} unrenewed${data.by === 'activation' ? ', reclaimed for a new activation' : ''}`;
    case 'license.entitlements_changed':
      return `${list(data.before?.entitlements)} → ${list(after.entitlements)}`;
    case 'trial.started':
      return `${data.machineName} (${data.osUser}) of ${data.product}${data.email ? `, lead ${data.email}` : ''}, until ${time(data.expiresAt)}`;
    case 'trial.purchased':
      return `${data.email} bought after the trial on ${data.machineName} (${data.osUser}) of ${day(data.startedAt)}`;
    case 'activation.released':
      return `${data.machineName} (${data.osUser})${data.note ? `: “${data.note}”` : ''}`;
    case 'reseller.merged': {
      const moved = (data.moved ?? {}) as Record<string, number>;
      return `${data.before?.name} into ${after.name}: ${moved.licenses ?? 0} license(s), ${moved.staff ?? 0} staff moved`;
    }
    case 'mail.opened':
      return `${data.template} to ${data.to} (${status(data.status)})`;
    default:
      return data.before || data.after ? changes(data) : '';
  }
}
