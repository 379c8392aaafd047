// Purchase credentials, password restore and change, through a real SMTP server.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, startTestApp } from './support/app.ts';
import { ACTIVATE, LOG_IN, MY_LICENSES, RENEW, machine } from './support/operations.ts';
import { TestSmtpServer, line } from './support/smtp.ts';

const REQUEST_RESET = `mutation($email: String!) { requestPasswordReset(input: { email: $email }) { __typename ... on Error { code message } } }`;
const RESET = `mutation($input: ResetPasswordInput!) { resetPassword(input: $input) { __typename ... on Error { code message } } }`;
const CHANGE = `mutation($input: ChangePasswordInput!) { changePassword(input: $input) { __typename ... on Error { code message } } }`;

const smtp = new TestSmtpServer((to) =>
  to.startsWith('bounce-') ? [550, 'No such mailbox'] : to.startsWith('busy-') ? [451, 'Mailbox busy, try later'] : null,
);
let t: TestApp;
let product: string;

beforeAll(async () => {
  await smtp.start();
  t = await startTestApp({ config: { smtpUrl: smtp.url } });
  t.app.mailWorker.start();
  product = (await t.seed.product()).code;
});
afterAll(async () => {
  await t?.close();
  await smtp.stop();
});

const email = (name = 'buyer') => `${name}-${randomBytes(4).toString('hex')}@example.com`;
const NEW_PASSWORD = 'Tr0mbone-Glacier-42';

function issue(to: string, seats = 2) {
  return t.app.services.licenses.issue('operator', { email: to, product, seats, expiresAt: new Date(Date.now() + 30 * 86_400_000) });
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
