// Purchase credentials, password restore and change, through a real SMTP server.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '@slotkeeper/api/config';
import { commands, runCommand } from '@slotkeeper/api/operator';
import { REMOVED_SECRET } from '@slotkeeper/schema/services/mail-secret';
import { renderMail } from '@slotkeeper/schema/services/mail-template';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, startTestApp } from './support/app.ts';
import { ACTIVATE, LOG_IN, MY_LICENSES, RENEW, machine } from './support/operations.ts';
import { type ReceivedMail, TestSmtpServer, line } from './support/smtp.ts';
import { setUpTenants } from './support/tenants.ts';

const REQUEST_RESET = `mutation($email: String!) { requestPasswordReset(input: { email: $email }) { __typename ... on Error { code message } } }`;
const RESET = `mutation($input: ResetPasswordInput!) { resetPassword(input: $input) { __typename ... on Error { code message } } }`;
const CHANGE = `mutation($input: ChangePasswordInput!) { changePassword(input: $input) { __typename ... on Error { code message } } }`;

const smtp = new TestSmtpServer((to) =>
  to.startsWith('bounce-') ? [550, 'No such mailbox'] : to.startsWith('busy-') ? [451, 'Mailbox busy, try later'] : null,
);
let t: TestApp;
let product: string;
const REPLY_TO = 'Slotkeeper Support <support@slotkeeper.test>';
const SMTP_NAME = 'mail.slotkeeper.test';

beforeAll(async () => {
  await smtp.start();
  t = await startTestApp({ config: { smtpUrl: smtp.url, mailReplyTo: REPLY_TO, smtpName: SMTP_NAME } });
  t.app.mailWorker.start();
  product = (await t.seed.product()).code;
});
afterAll(async () => {
  await t?.close();
  await smtp.stop();
});

const email = (name = 'buyer') => `${name}-${randomBytes(4).toString('hex')}@example.com`;
const NEW_PASSWORD = 'Tr0mbone-Glacier-42';

function issue(to: string, seats = 2, app = t) {
  return app.app.services.licenses.issue('operator', { email: to, product, seats, expiresAt: new Date(Date.now() + 30 * 86_400_000) });
}

interface StoredMail {
  id: string;
  template: string;
  status: string;
  data: Record<string, unknown>;
  secret: string | null;
}

/** The outbox rows of `to` as the database holds them, every column that could carry a secret. */
function storedMails(to: string): Promise<StoredMail[]> {
  return t.app.database.prisma.$queryRaw<StoredMail[]>`
    SELECT "id", "template", "status", "data", "secret", "lastError" FROM "MailMessage" WHERE "to" = ${to} ORDER BY "createdAt"`;
}

describe('purchase', () => {
  it('e-mails the credentials of a new login, and they activate a machine', async () => {
    const to = email();
    const issued = await issue(to);
    const [mail] = await smtp.waitFor(to);
    expect(mail!.subject).toContain('Test Plug-in');
    expect(mail!.text).toContain('2 seat(s)');
    expect(line(mail!.text, 'Login')).toBe(to);
    const password = line(mail!.text, 'Password');
    expect(password).toBe(issued.password);
    const { data } = await t.gql(ACTIVATE, { input: { ...machine({ email: to, password, product }, 'pc') } });
    expect(data.activateMachine.__typename).toBe('ActivateMachineSuccess');
  });

  it('tells an existing login about a new license without sending a password, and drops the sent password from the outbox', async () => {
    const to = email();
    await issue(to);
    await smtp.waitFor(to);
    const second = await issue(to, 5);
    expect(second.password).toBeNull();
    const mails = await smtp.waitFor(to, 2);
    expect(mails[1]!.text).toContain('5 seat(s)');
    expect(mails[1]!.text).not.toMatch(/^Password:/m);
    await t.app.mailWorker.drain();
    const stored = await t.app.database.prisma.mailMessage.findMany({ where: { to } });
    expect(stored.map((m) => m.status)).toEqual(['SENT', 'SENT']);
    expect(JSON.stringify(stored)).not.toContain(second.password ?? mails[0]!.text.match(/Password: (.+)/)![1]!);
  });

  it('marks a message FAILED at once on a permanent (5xx) refusal, with the error visible to operators', async () => {
    const to = email('bounce');
    await issue(to);
    const deadline = Date.now() + 20_000;
    let message = await t.app.database.prisma.mailMessage.findFirstOrThrow({ where: { to } });
    while (message.status !== 'FAILED' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      t.app.mailWorker.wake();
      message = await t.app.database.prisma.mailMessage.findFirstOrThrow({ where: { to } });
    }
    expect(message).toMatchObject({ status: 'FAILED', attempts: 1 });
    expect(message.lastError).toContain('No such mailbox');
    // Kept to be sent again (e.g. after the address is corrected), sealed as while queued.
    expect(message.secret).toEqual(expect.any(String));
    expect(t.mailLine(message, 'Password')).toMatch(/^[A-Za-z2-9]{5}(-[A-Za-z2-9]{5}){3}$/);
    expect(JSON.stringify(message)).not.toContain(t.mailLine(message, 'Password'));
    expect(smtp.to(to)).toHaveLength(0);
  });
  it('retries a temporary (4xx) refusal with backoff, recording attempts and the last error', async () => {
    const to = email('busy');
    await issue(to);
    const deadline = Date.now() + 20_000;
    let message = await t.app.database.prisma.mailMessage.findFirstOrThrow({ where: { to } });
    while (message.attempts < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      t.app.mailWorker.wake();
      message = await t.app.database.prisma.mailMessage.findFirstOrThrow({ where: { to } });
    }
    expect(message.attempts).toBeGreaterThanOrEqual(2);
    expect(['PENDING', 'SENDING']).toContain(message.status);
    expect(message.lastError).toContain('Mailbox busy');
    expect(message.nextAttemptAt.getTime()).toBeGreaterThan(message.createdAt.getTime());
  });
});

describe('password restore', () => {
  it('e-mails a single-use code that sets the password once; used, expired and unknown codes are refused', async () => {
    const to = email();
    await issue(to);
    await smtp.waitFor(to);
    expect((await t.gql(REQUEST_RESET, { email: to.toUpperCase() })).data.requestPasswordReset.__typename).toBe(
      'RequestPasswordResetSuccess',
    );
    const [, mail] = await smtp.waitFor(to, 2);
    const code = line(mail!.text, 'Code');
    expect(mail!.text).toContain(`http://slotkeeper.test/reset-password?token=${encodeURIComponent(code)}`);
    const stored = await t.app.database.prisma.passwordReset.findMany({ where: { customer: { email: to } } });
    expect(JSON.stringify(stored)).not.toContain(code);

    const reset = (token: string, newPassword = NEW_PASSWORD, newPasswordRepeat = newPassword) =>
      t.gql(RESET, { input: { token, newPassword, newPasswordRepeat } }).then((r) => r.data.resetPassword);
    expect(await reset(code, NEW_PASSWORD, 'something else')).toMatchObject({ code: 'PASSWORDS_DO_NOT_MATCH' });
    expect(await reset(code, 'short')).toMatchObject({ code: 'WEAK_PASSWORD' });
    expect(await reset(code)).toEqual({ __typename: 'ResetPasswordSuccess' });
    expect(await reset(code, 'Another-Secret-77')).toMatchObject({ code: 'RESET_TOKEN_INVALID' });
    expect(await reset('skr_unknown-code')).toMatchObject({ code: 'RESET_TOKEN_INVALID' });
    expect((await t.gql(LOG_IN, { email: to, password: NEW_PASSWORD })).data.logIn.__typename).toBe('LogInSuccess');

    await t.gql(REQUEST_RESET, { email: to });
    const [, , , late] = await smtp.waitFor(to, 4);
    t.clock.advance(61 * 60_000);
    try {
      expect(await reset(line(late!.text, 'Code'), 'Another-Secret-77')).toMatchObject({ code: 'RESET_TOKEN_INVALID' });
    } finally {
      t.clock.advance(-61 * 60_000);
    }
  });

  it('answers an unknown e-mail the same way and sends nothing', async () => {
    const stranger = email('stranger');
    const { data } = await t.gql(REQUEST_RESET, { email: stranger });
    expect(data.requestPasswordReset).toEqual({ __typename: 'RequestPasswordResetSuccess' });
    await t.app.mailWorker.drain();
    expect(await t.app.database.prisma.mailMessage.count({ where: { to: stranger } })).toBe(0);
    expect(smtp.to(stranger)).toHaveLength(0);
  });

  it('allows 5 requests per e-mail per hour, then RATE_LIMITED', async () => {
    const to = email();
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push((await t.gql(REQUEST_RESET, { email: to })).data.requestPasswordReset.__typename);
    expect(answers).toEqual([...Array(5).fill('RequestPasswordResetSuccess'), 'RateLimitedError']);
  });

  it('serves the reset page from the e-mail link: the form works without JavaScript', async () => {
    const to = email();
    await issue(to);
    await smtp.waitFor(to);
    await t.gql(REQUEST_RESET, { email: to });
    const [, mail] = await smtp.waitFor(to, 2);
    const code = line(mail!.text, 'Code');
    const { url } = await t.listen();

    const page = await fetch(`${url}/reset-password?token=${encodeURIComponent(code)}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await page.text();
    expect(html).toContain('<form method="post" action="/reset-password">');
    expect(html).toContain(`value="${code}"`);
    expect(html).not.toContain('<script');

    const post = (fields: Record<string, string>) =>
      fetch(`${url}/reset-password`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields),
      });
    const mismatch = await post({ token: code, newPassword: NEW_PASSWORD, newPasswordRepeat: 'nope' });
    expect(mismatch.status).toBe(400);
    expect(await mismatch.text()).toContain('The new password and its repetition differ.');
    const ok = await post({ token: code, newPassword: NEW_PASSWORD, newPasswordRepeat: NEW_PASSWORD });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('Your password is set');
    expect((await t.gql(LOG_IN, { email: to, password: NEW_PASSWORD })).data.logIn.__typename).toBe('LogInSuccess');
    const again = await post({ token: code, newPassword: NEW_PASSWORD, newPasswordRepeat: NEW_PASSWORD });
    expect(await again.text()).toContain('unknown, used or expired');
  });
});

describe('secrets in the outbox', () => {
  it("keeps no password or reset code in a sent mail's row, and `mail show` prints neither", async () => {
    const to = email();
    const issued = await issue(to);
    await smtp.waitFor(to);
    await t.gql(REQUEST_RESET, { email: to });
    const [, reset] = await smtp.waitFor(to, 2);
    const code = line(reset!.text, 'Code');
    await t.app.mailWorker.drain();

    const rows = await storedMails(to);
    expect(rows.map((r) => [r.template, r.status, r.secret])).toEqual([['credentials', 'SENT', null], ['password-reset', 'SENT', null]]);
    expect(JSON.stringify(rows)).not.toContain(issued.password!);
    expect(JSON.stringify(rows)).not.toContain(code);
    // What the outbox shows stays.
    expect(rows[0]!.data).toMatchObject({ email: to, seats: 2, productName: 'Test Plug-in' });
    for (const row of rows) {
      const shown = await runCommand(t.app, 'mail show', { id: row.id });
      const printed = `${JSON.stringify(shown)}\n${commands['mail show']!.text(shown.result as never)}`;
      expect(printed).not.toContain(issued.password!);
      expect(printed).not.toContain(code);
      expect(printed).toContain(REMOVED_SECRET);
    }
  });
});

describe('secrets in the outbox with no SMTP server', () => {
  let held: TestApp;
  beforeAll(async () => {
    // Only this app's worker (no SMTP_URL) sees these messages until SMTP "appears" below.
    await t.app.mailWorker.stop();
    held = await startTestApp({ database: t.app.database });
  });
  afterAll(async () => {
    await held?.close();
    t.app.mailWorker.start();
  });

  it('lists no reset request in the vendor outbox, for a login or an unknown address', async () => {
    const tenants = await setUpTenants(t);
    const tag = randomBytes(4).toString('hex');
    const login = `login-${tag}@example.com`;
    const stranger = `stranger-${tag}@example.com`;
    await issue(login, 1, held);
    // Requests queued and not yet looked up: the worker is stopped.
    await held.app.mailWorker.stop();
    for (const address of [login, stranger]) await held.gql(REQUEST_RESET, { email: address });
    const LIST = `query($to: String) { mailMessages(filter: { to: $to }, first: 50) { totalCount edges { node { to template } } } }`;
    const listed = async () => (await t.gql(LIST, { to: tag }, tenants.tokens.vendor)).data.mailMessages;
    expect(await held.app.database.prisma.mailMessage.count({ where: { to: { in: [login, stranger] }, template: 'password-reset-request' } })).toBe(2);
    expect(await listed()).toEqual({ totalCount: 1, edges: [{ node: { to: login, template: 'credentials' } }] });

    held.app.mailWorker.start();
    await held.app.mailWorker.drain();
    const after = await listed();
    expect(after.totalCount).toBe(2);
    expect(after.edges.map((e: { node: { template: string } }) => e.node.template).sort()).toEqual(['credentials', 'password-reset']);
  });

  it('tells staff that mail is not configured and how much is held; reseller admins get no count', async () => {
    const tenants = await setUpTenants(t);
    await issue(email('held-count'), 1, held);
    await held.app.mailWorker.drain();
    const DELIVERY = '{ mailDelivery { configured held } }';
    const heldCount = await held.app.database.prisma.mailMessage.count({ where: { status: 'HELD' } });
    expect(heldCount).toBeGreaterThan(0);
    expect((await held.gql(DELIVERY, {}, tenants.tokens.vendor)).data.mailDelivery).toEqual({ configured: false, held: heldCount });
    expect((await held.gql(DELIVERY, {}, tenants.tokens.resellerA)).data.mailDelivery).toEqual({ configured: false, held: null });
    // The server with SMTP_URL says so.
    expect((await t.gql(DELIVERY, {}, tenants.tokens.resellerA)).data.mailDelivery).toEqual({ configured: true, held: null });
    // A customer or nobody learns nothing about the server's mail.
    for (const token of [tenants.tokens.customer, undefined]) {
      const { data, errors } = await held.gql(DELIVERY, {}, token);
      expect(data).toBeNull();
      expect(errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
  });

  it('lets a vendor admin open a held message with its password, audited; others are refused', async () => {
    const tenants = await setUpTenants(t);
    const to = email('open-held');
    const issued = await issue(to, 1, held);
    await held.app.mailWorker.drain();
    const [row] = await storedMails(to);
    expect(row).toMatchObject({ status: 'HELD' });
    const OPEN = `mutation($id: ID!) { openMailMessage(input: { id: $id }) {
      __typename ... on OpenMailMessageSuccess { from subject text mail { id to status } } ... on Error { code message } } }`;

    const response = await held.gql(OPEN, { id: row!.id }, tenants.tokens.vendor);
    expect(response.errors).toBeUndefined();
    const opened = response.data.openMailMessage;
    expect(opened).toMatchObject({ __typename: 'OpenMailMessageSuccess', from: 'Slotkeeper <no-reply@localhost>', mail: { id: row!.id, to, status: 'HELD' } });
    expect(line(opened.text, 'Login')).toBe(to);
    expect(line(opened.text, 'Password')).toBe(issued.password);
    const [event] = await t.app.database.prisma.auditEvent.findMany({ where: { subject: `mail:${row!.id}` } });
    const vendorEmail = (await t.app.database.prisma.staffUser.findUniqueOrThrow({ where: { id: tenants.staffIds.vendor } })).email;
    expect(event).toMatchObject({ actor: vendorEmail, action: 'mail.opened', data: { to, template: 'credentials', status: 'HELD' } });

    const refused = (await held.gql(OPEN, { id: row!.id }, tenants.tokens.resellerA)).data.openMailMessage;
    expect(refused).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
    const anonymous = (await held.gql(OPEN, { id: row!.id })).data.openMailMessage;
    expect(anonymous).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
    const missing = (await held.gql(OPEN, { id: '00000000-0000-0000-0000-000000000000' }, tenants.tokens.vendor)).data.openMailMessage;
    expect(missing).toEqual({ __typename: 'NotFoundError', code: 'NOT_FOUND', message: 'There is no message 00000000-0000-0000-0000-000000000000.' });
    // Only the vendor admin's opening was recorded.
    expect(await t.app.database.prisma.auditEvent.count({ where: { subject: `mail:${row!.id}` } })).toBe(1);
  });

  it('seals the plain password of a mail queued before secrets were sealed, when a worker starts', async () => {
    const to = email('legacy');
    const password = `Legacy-${randomBytes(6).toString('hex')}`;
    const data = { email: to, password, productName: 'Test Plug-in', productCode: product, seats: 1, expiresAt: new Date().toISOString() };
    await held.app.database.prisma.mailMessage.create({ data: { to, template: 'credentials', status: 'HELD', data } });
    await held.app.mailWorker.stop();
    held.app.mailWorker.start();
    const deadline = Date.now() + 20_000;
    let [row] = await storedMails(to);
    while (!row!.secret && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      [row] = await storedMails(to);
    }
    expect(row).toMatchObject({ status: 'HELD', secret: expect.any(String) });
    expect(JSON.stringify(row)).not.toContain(password);
    expect(held.mailLine(row!, 'Password')).toBe(password);
  });

  it("holds a mail with its password encrypted in the row, and sends it once a server with SMTP starts", async () => {
    const to = email('held');
    const issued = await issue(to, 1, held);
    await held.app.mailWorker.drain();
    const [row] = await storedMails(to);
    expect(row).toMatchObject({ template: 'credentials', status: 'HELD', secret: expect.any(String) });
    expect(JSON.stringify(row)).not.toContain(issued.password!);
    // The operator reads it meanwhile (`pnpm cli mail show`).
    expect(held.mailLine(row!, 'Password')).toBe(issued.password);

    const withSmtp = await startTestApp({ database: t.app.database, config: { smtpUrl: smtp.url } });
    try {
      withSmtp.app.mailWorker.start();
      const [mail] = await smtp.waitFor(to);
      expect(line(mail!.text, 'Password')).toBe(issued.password);
      const { data } = await t.gql(ACTIVATE, { input: machine({ email: to, password: line(mail!.text, 'Password'), product }, 'held-pc') });
      expect(data.activateMachine.__typename).toBe('ActivateMachineSuccess');
      await withSmtp.app.mailWorker.drain();
    } finally {
      await withSmtp.close();
    }
    const [sent] = await storedMails(to);
    expect(sent).toMatchObject({ status: 'SENT', secret: null });
    expect(JSON.stringify(sent)).not.toContain(issued.password!);
  });
});

describe('mail headers', () => {
  let each: Promise<ReceivedMail[]> | undefined;
  /** One mail of each of the four templates, to one new login, as the SMTP server received them. */
  function oneOfEach(): Promise<ReceivedMail[]> {
    each ??= (async () => {
      const to = email('each');
      const issued = await issue(to);
      await smtp.waitFor(to);
      await issue(to, 3);
      await smtp.waitFor(to, 2);
      await t.gql(REQUEST_RESET, { email: to });
      await smtp.waitFor(to, 3);
      const input = { email: to, currentPassword: issued.password, newPassword: NEW_PASSWORD, newPasswordRepeat: NEW_PASSWORD };
      expect((await t.gql(CHANGE, { input })).data.changePassword.__typename).toBe('ChangePasswordSuccess');
      return smtp.waitFor(to, 4);
    })();
    return each;
  }

  it("carries Reply-To, Auto-Submitted and a Message-ID at PUBLIC_URL's host, sent from the host SMTP_NAME names", async () => {
    const mails = await oneOfEach();
    expect(mails.map((m) => m.subject)).toEqual([
      'Your Test Plug-in license',
      'A new Test Plug-in license',
      'Restore your password',
      'Your password was changed',
    ]);
    for (const mail of mails) {
      expect(mail.raw).toMatch(/^Reply-To: Slotkeeper Support <support@slotkeeper\.test>\r?$/m);
      expect(mail.raw).toMatch(/^Auto-Submitted: auto-generated\r?$/m);
      expect(mail.messageId).toMatch(/^<[0-9a-f-]{36}@slotkeeper\.test>$/);
      expect(mail.helo).toBe(SMTP_NAME);
    }
    expect(mails[3]!.text).toContain('or reply to this e-mail');
  });

  it('asks for no reply where replies reach no one (no MAIL_REPLY_TO), and greets SMTP servers as PUBLIC_URL\'s host by default', () => {
    const changed = renderMail('password-changed', { email: 'a@example.com', at: '2026-12-02T08:00:00.000Z' }, {
      vendorName: 'Acme Plug-ins',
      publicUrl: 'https://licenses.acme.example',
      replyTo: null,
    });
    expect(changed.text).not.toMatch(/reply/i);
    expect(changed.text).toContain("tell Acme Plug-ins's support");
    expect(loadConfig({ PUBLIC_URL: 'https://licenses.acme.example' }, '')).toMatchObject({ smtpName: 'licenses.acme.example', mailReplyTo: null });
    expect(loadConfig({ SMTP_NAME: 'mx1.acme.example', MAIL_REPLY_TO: 'help@acme.example' }, '')).toMatchObject({
      smtpName: 'mx1.acme.example',
      mailReplyTo: 'help@acme.example',
    });
    expect(() => loadConfig({ SMTP_NAME: '[127.0.0.1]' }, '')).toThrow(/SMTP_NAME must be a host name/);
    expect(() => loadConfig({ MAIL_REPLY_TO: 'support' }, '')).toThrow(/MAIL_REPLY_TO must be an e-mail address/);
    expect(() => loadConfig({ MAIL_REPLY_TO: 'a@b.example\r\nBcc: c@d.example' }, '')).toThrow(/MAIL_REPLY_TO must be an e-mail address/);
  });

  it("scores each mail at or below 0 with SpamAssassin's offline rules", { timeout: 180_000 }, async (ctx) => {
    if (!SPAMASSASSIN) ctx.skip('SpamAssassin is not installed (Debian: apt-get install -y spamassassin): mail scores not checked');
    const scores: { subject: string; score: number; rules: string }[] = [];
    for (const mail of await oneOfEach()) {
      const report = await spamReport(mail.raw);
      const score = Number(/Content analysis details:\s+\((-?[\d.]+) points/.exec(report)?.[1]);
      const rules = [...report.matchAll(/^\s*(-?\d+\.\d+)\s+([A-Z0-9_]+)\s/gm)].map((m) => `${m[2]} ${m[1]}`).join(', ');
      scores.push({ subject: mail.subject, score, rules });
    }
    console.log(`SpamAssassin (offline rules):\n  ${scores.map((s) => `${s.score.toFixed(1)}  ${s.subject}  (${s.rules})`).join('\n  ')}`);
    expect(scores.filter((s) => !(s.score <= 0))).toEqual([]);
  });
});

const SPAMASSASSIN = spawnSync('spamassassin', ['--version']).status === 0;

/** SpamAssassin's report on `raw` (`-L`: local tests only, no network; `-t`: with the score table). */
function spamReport(raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('spamassassin', ['-L', '-t'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('close', () => resolve(out));
    child.stdin.end(raw);
  });
}

describe('password change', () => {
  it('refuses a wrong current password, a mismatch and a weak password, and changes nothing', async () => {
    const license = await t.seed.license();
    const change = (input: Record<string, string>) =>
      t.gql(CHANGE, { input: { email: license.email, currentPassword: license.password, newPassword: NEW_PASSWORD, newPasswordRepeat: NEW_PASSWORD, ...input } }).then((r) => r.data.changePassword.code);
    expect(await change({ currentPassword: 'wrong password' })).toBe('INVALID_CREDENTIALS');
    expect(await change({ newPasswordRepeat: 'different' })).toBe('PASSWORDS_DO_NOT_MATCH');
    for (const weak of ['short', 'aaaaaaaaaaaa', 'password123', `${license.email.split('@')[0]}-2026`, 'é'.repeat(40), license.password]) {
      expect(await change({ newPassword: weak, newPasswordRepeat: weak }), weak).toBe('WEAK_PASSWORD');
    }
    expect((await t.gql(LOG_IN, { email: license.email, password: license.password })).data.logIn.__typename).toBe('LogInSuccess');
  });

  it('changes the password, e-mails a notification and ends older sessions; activated machines keep working', async () => {
    const license = await t.seed.license();
    const { data: activated } = await t.gql(ACTIVATE, { input: machine(license, 'pc') });
    const session = (await t.gql(LOG_IN, { email: license.email, password: license.password })).data.logIn.sessionToken;
    expect((await t.gql(MY_LICENSES, {}, session)).errors).toBeUndefined();

    const { data } = await t.gql(CHANGE, {
      input: { email: license.email, currentPassword: license.password, newPassword: NEW_PASSWORD, newPasswordRepeat: NEW_PASSWORD },
    });
    expect(data.changePassword).toEqual({ __typename: 'ChangePasswordSuccess' });
    const [mail] = await smtp.waitFor(license.email);
    expect(mail!.subject).toBe('Your password was changed');
    expect(mail!.text).toContain("If this wasn't you");

    expect((await t.gql(MY_LICENSES, {}, session)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await t.gql(LOG_IN, { email: license.email, password: license.password })).data.logIn.code).toBe('INVALID_CREDENTIALS');
    expect((await t.gql(LOG_IN, { email: license.email, password: NEW_PASSWORD })).data.logIn.__typename).toBe('LogInSuccess');
    expect((await t.gql(RENEW, { token: activated.activateMachine.token })).data.renewToken.__typename).toBe('RenewTokenSuccess');
  });
});

describe('outbox under an SMTP outage', () => {
  it('delivers every message exactly once after the SMTP server comes back, with two workers running', async () => {
    // A second api instance on the same database, with its own worker.
    const second = await startTestApp({ database: t.app.database, config: { smtpUrl: smtp.url } });
    second.app.mailWorker.start();
    try {
      await smtp.stop();
      const addresses = Array.from({ length: 20 }, () => email('outage'));
      for (const [i, to] of addresses.entries()) {
        await (i % 2 ? t : second).app.services.licenses.issue('operator', {
          email: to,
          product,
          seats: 1,
          expiresAt: new Date(Date.now() + 86_400_000),
        });
      }
      await Promise.all([t.app.mailWorker.drain(), second.app.mailWorker.drain()]);
      const waiting = await t.app.database.prisma.mailMessage.findMany({ where: { to: { in: addresses } } });
      expect(waiting).toHaveLength(20);
      // Each was tried and none went out (a poll may be retrying one right now: PENDING or SENDING).
      expect(waiting.every((m) => ['PENDING', 'SENDING'].includes(m.status) && m.attempts >= 1)).toBe(true);
      expect(waiting.some((m) => m.lastError?.includes('ECONNREFUSED'))).toBe(true);
      expect(addresses.every((to) => smtp.to(to).length === 0)).toBe(true);

      await smtp.start();
      for (const to of addresses) await smtp.waitFor(to);
      await Promise.all([t.app.mailWorker.drain(), second.app.mailWorker.drain()]);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const counts = addresses.map((to) => smtp.to(to).length);
      console.log(`SMTP outage: ${counts.filter((c) => c === 1).length}/20 messages delivered exactly once`);
      expect(counts).toEqual(Array(20).fill(1));
      const sent = await t.app.database.prisma.mailMessage.findMany({ where: { to: { in: addresses } } });
      expect(sent.every((m) => m.status === 'SENT')).toBe(true);
    } finally {
      if (!smtp.port) await smtp.start();
      await second.close();
    }
  });
});
