import type { Services } from '@slotkeeper/schema/services/services';
import { DomainError } from '@slotkeeper/schema/services/errors';
import { escapeHtml } from '@slotkeeper/schema/services/mail-template';
import type { Route } from './http/route-table.ts';

function page(vendorName: string, body: string, status = 200): Response {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Set a new password — ${escapeHtml(vendorName)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#222}
label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}
button{margin-top:1rem;padding:.6rem 1.2rem;font-size:1rem}.error{color:#b00020}.ok{color:#1b5e20}</style></head>
<body><h1>Set a new password</h1>
${body}
</body></html>`;
  return new Response(html, {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'x-content-type-options': 'nosniff',
      // The reset code is in the URL: never leak it to another site, never frame the form.
      'referrer-policy': 'no-referrer',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
      'x-frame-options': 'DENY',
      'cache-control': 'no-store',
    },
  });
}

function form(token: string, error?: string): string {
  return `${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/reset-password">
<label for="token">Code from the e-mail</label><input id="token" name="token" value="${escapeHtml(token)}" required autocomplete="off">
<label for="password">New password</label><input id="password" name="newPassword" type="password" required autocomplete="new-password" minlength="10">
<label for="repeat">Repeat the new password</label><input id="repeat" name="newPasswordRepeat" type="password" required autocomplete="new-password">
<button type="submit">Set password</button>
</form>
<p>At least 10 characters and 5 different ones; not a common password; not containing your login.</p>`;
}

/** The page the reset e-mail links to: a plain HTML form that works without JavaScript. */
export function resetPageRoute(services: Services, vendorName: string): Route {
  return {
    path: '/reset-password',
    methods: ['GET', 'POST'],
    async handle({ request, url }) {
      if (request.method === 'GET') return page(vendorName, form(url.searchParams.get('token') ?? ''));
      let fields: URLSearchParams;
      try {
        fields = new URLSearchParams((await request.text()).slice(0, 10_000));
      } catch {
        return page(vendorName, form('', 'The form could not be read. Try again.'), 400);
      }
      const token = fields.get('token') ?? '';
      try {
        await services.accounts.resetPassword(token, fields.get('newPassword') ?? '', fields.get('newPasswordRepeat') ?? '');
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        return page(vendorName, form(token, error.message), 400);
      }
      return page(vendorName, '<p class="ok" role="status">Your password is set. Log in with it in the license window.</p>');
    },
  };
}
