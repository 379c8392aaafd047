import type { MailData, MailTemplate } from './mail.ts';

export interface MailBranding {
  vendorName: string;
  publicUrl: string;
  /** The Reply-To of every mail (MAIL_REPLY_TO); null: replies reach no one, so no mail asks for one. */
  replyTo: string | null;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const day = (iso: string) => iso.slice(0, 10);

export const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Lines of text; a line `Label: value` is kept verbatim (plug-ins and tests read `Login:`, `Password:`, `Code:`). */
function compose(subject: string, lines: string[], brand: MailBranding, link?: { href: string; label: string }): RenderedMail {
  const text = [...lines, ...(link ? ['', `${link.label}: ${link.href}`] : []), '', `— ${brand.vendorName}`].join('\n');
  const body = lines
    .map((line) => (line === '' ? '' : `<p style="margin:0 0 8px">${escapeHtml(line)}</p>`))
    .join('\n');
  const button = link
    ? `<p><a href="${escapeHtml(link.href)}" style="display:inline-block;padding:10px 16px;background:#1565c0;color:#fff;text-decoration:none;border-radius:4px">${escapeHtml(link.label)}</a></p>`
    : '';
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#222">\n${body}\n${button}\n<p style="color:#777">— ${escapeHtml(brand.vendorName)}</p></body></html>`;
  return { subject, text, html };
}

/** All e-mail texts, in one place. */
export function renderMail<T extends MailTemplate>(template: T, data: MailData[T], brand: MailBranding): RenderedMail {
  switch (template) {
    case 'credentials': {
      const d = data as MailData['credentials'];
      return compose(
        `Your ${d.productName} license`,
        [
          `Thank you for buying ${d.productName}.`,
          `Your license: ${d.seats} seat(s), valid until ${day(d.expiresAt)}.`,
          '',
          `Login: ${d.email}`,
          `Password: ${d.password}`,
          '',
          `To activate, open ${d.productName} on the machine you want to use, choose "Activate" and enter this login and password. Each machine takes one seat; deactivate a machine to move its seat.`,
          'You can change this password at any time from the license window.',
        ],
        brand,
      );
    }
    case 'license-issued': {
      const d = data as MailData['license-issued'];
      return compose(
        `A new ${d.productName} license`,
        [
          `A new license of ${d.productName} was added to your login ${d.email}: ${d.seats} seat(s), valid until ${day(d.expiresAt)}.`,
          'Activate it with your existing password. If you forgot it, choose "Restore password" in the license window.',
        ],
        brand,
      );
    }
    case 'password-reset': {
      const d = data as MailData['password-reset'];
      const href = `${brand.publicUrl}/reset-password?token=${encodeURIComponent(d.token)}`;
      return compose(
        'Restore your password',
        [
          `Someone (hopefully you) asked to restore the password of ${d.email}.`,
          `Open the link below, or enter this code in the license window. It works once, until ${d.expiresAt.replace('T', ' ').slice(0, 16)} UTC.`,
          '',
          `Code: ${d.token}`,
          '',
          "If you didn't ask for this, ignore this e-mail: your password stays as it is.",
        ],
        brand,
        { href, label: 'Set a new password' },
      );
    }
    case 'password-changed': {
      const d = data as MailData['password-changed'];
      return compose(
        'Your password was changed',
        [
          `The password of ${d.email} was changed on ${d.at.replace('T', ' ').slice(0, 16)} UTC.`,
          brand.replyTo
            ? "If this wasn't you, restore your password now from the license window, or reply to this e-mail."
            : `If this wasn't you, restore your password now from the license window and tell ${brand.vendorName}'s support.`,
          'Machines that are already activated keep working.',
        ],
        brand,
      );
    }
    case 'email-changed': {
      const d = data as MailData['email-changed'];
      return compose(
        'Your login e-mail was changed',
        [
          `On ${d.at.replace('T', ' ').slice(0, 16)} UTC the login ${d.oldEmail} was changed to ${d.newEmail} by ${brand.vendorName}'s support.`,
          'Log in with the new address from now on; the password stays as it was. Machines that are already activated keep working.',
          brand.replyTo
            ? "If you didn't ask for this, reply to this e-mail."
            : `If you didn't ask for this, tell ${brand.vendorName}'s support.`,
        ],
        brand,
      );
    }
    case 'webhook-disabled': {
      const d = data as MailData['webhook-disabled'];
      return compose(
        'A webhook endpoint was disabled',
        [
          `Every delivery to the webhook endpoint ${d.url} has failed since ${d.failingSince.replace('T', ' ').slice(0, 16)} UTC, so it was disabled.`,
          'Events keep being recorded for it. Fix the receiver, then enable the endpoint again in the dashboard (Webhooks): what was not delivered goes out then.',
          '',
          `Endpoint: ${d.endpointId}`,
        ],
        brand,
      );
    }
  }
  throw new Error(`Unknown mail template ${template satisfies never}`);
}
