// Entitlements (a product's feature codes, a license's subset, the `ent` claim of every token) and
// trials (startTrial: a seatless token once per machine per product, linked to a later purchase),
// issue #13, on whichever database this run uses.
import { randomBytes } from 'node:crypto';
import { fingerprintHash, verifyOfflineToken } from '@slotkeeper/client/verify';
import { type JSONWebKeySet, decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, startTestApp } from './support/app.ts';
import { ACTIVATE, RENEW, machine } from './support/operations.ts';
import { type Tenants, setUpTenants } from './support/tenants.ts';

let t: TestApp;
let tenants: Tenants;
let keys: JSONWebKeySet;
beforeAll(async () => {
  t = await startTestApp();
  tenants = await setUpTenants(t);
  // Disabled: the events are written (and read here) but never sent anywhere.
  await t.app.database.prisma.webhookEndpoint.create({
    data: { url: 'https://hooks.example.com/in', events: ['license.updated', 'trial.started'], secret: `whsec_${randomBytes(24).toString('base64')}`, disabledAt: new Date() },
  });
  keys = await (await t.app.yoga.fetch('http://slotkeeper.test/.well-known/jwks.json')).json();
});
afterAll(() => t?.close());

const nodes = (connection: { edges: { node: any }[] }) => connection.edges.map((e) => e.node);
const tag = () => randomBytes(4).toString('hex');

const CREATE_PRODUCT = /* GraphQL */ `
  mutation($input: CreateProductInput!) {
    createProduct(input: $input) {
      __typename
      ... on CreateProductSuccess { product { code entitlements trialSeconds } }
      ... on InvalidInputError { field }
      ... on Error { code message }
    }
  }
`;
const UPDATE_PRODUCT = /* GraphQL */ `
  mutation($input: UpdateProductInput!) {
    updateProduct(input: $input) {
      __typename
      ... on UpdateProductSuccess { product { code entitlements trialSeconds } }
      ... on InvalidInputError { field }
      ... on Error { code message }
    }
  }
`;
const ISSUE = /* GraphQL */ `
  mutation($input: IssueLicenseInput!) {
    issueLicense(input: $input) {
      __typename
      ... on IssueLicenseSuccess { license { id entitlements } }
      ... on InvalidInputError { field }
      ... on Error { code message }
    }
  }
`;
const UPDATE_LICENSE = /* GraphQL */ `
  mutation($input: UpdateLicenseInput!) {
    updateLicense(input: $input) {
      __typename
      ... on UpdateLicenseSuccess { license { id entitlements } }
      ... on InvalidInputError { field }
      ... on Error { code message }
    }
  }
`;
const START_TRIAL = /* GraphQL */ `
  mutation($input: StartTrialInput!) {
    startTrial(input: $input) {
      __typename
      ... on StartTrialSuccess { token expiresAt product { code } }
      ... on InvalidInputError { field }
      ... on TrialUsedError { startedAt }
      ... on RateLimitedError { retryAfterSeconds }
      ... on Error { code message }
    }
  }
`;
const TRIALS = /* GraphQL */ `
  query($filter: TrialFilter) {
    trials(filter: $filter) {
      totalCount
      edges { node { id email machineName osUser startedAt expiresAt product { code } license { id } } }
    }
  }
`;

const HISTORY = /* GraphQL */ `
  query($licenseId: ID!) {
    auditEvents(filter: { licenseId: $licenseId }) { edges { node { action data } } }
  }
`;

async function createProduct(input: Record<string, unknown>) {
  return (await t.gql(CREATE_PRODUCT, { input: { code: `p-${tag()}`, name: 'Plug-in', ...input } }, tenants.tokens.vendor)).data.createProduct;
}

async function issue(product: string, extra: Record<string, unknown> = {}, email = `buyer-${tag()}@example.com`) {
  const expiresAt = new Date(Date.now() + 365 * 86_400_000).toISOString();
  const { data } = await t.gql(ISSUE, { input: { email, product, seats: 2, expiresAt, ...extra } }, tenants.tokens.vendor);
  return data.issueLicense;
}

async function passwordOf(email: string) {
  const mail = await t.app.database.prisma.mailMessage.findFirstOrThrow({ where: { to: email, template: 'credentials' } });
  return t.mailLine(mail, 'Password');
}

const lastEvent = async (type: string) =>
  (await t.app.database.prisma.webhookEvent.findFirstOrThrow({ where: { type }, orderBy: { createdAt: 'desc' } })).payload as { data: any };

describe('entitlements', () => {
  it('a product declares lower-kebab codes; bad codes, too long, too many are INVALID_INPUT on entitlements', async () => {
    const ok = await createProduct({ entitlements: ['ifc-export', 'batch', 'batch'] });
    expect(ok.product.entitlements).toEqual(['ifc-export', 'batch']);
    for (const entitlements of [['IFC-export'], ['ifc_export'], ['-batch'], ['ifc--export'], ['a'.repeat(41)], Array.from({ length: 51 }, (_, i) => `f${i}`)]) {
      const refused = await createProduct({ entitlements });
      expect(refused, JSON.stringify(entitlements).slice(0, 40)).toMatchObject({ code: 'INVALID_INPUT', field: 'entitlements' });
    }
    const updated = await t.gql(UPDATE_PRODUCT, { input: { code: ok.product.code, entitlements: ['Batch'] } }, tenants.tokens.vendor);
    expect(updated.data.updateProduct).toMatchObject({ code: 'INVALID_INPUT', field: 'entitlements' });
    expect((await t.gql(UPDATE_PRODUCT, { input: { code: ok.product.code, entitlements: ['x'] } }, tenants.tokens.resellerA)).data.updateProduct.code).toBe('FORBIDDEN');
  });

  it('a license grants all of the product\'s by default, a subset on request; a code the product lacks is INVALID_INPUT', async () => {
    const { product } = await createProduct({ entitlements: ['ifc-export', 'batch', 'cloud'] });
    expect((await issue(product.code)).license.entitlements).toEqual(['ifc-export', 'batch', 'cloud']);
    expect((await issue(product.code, { entitlements: ['cloud', 'ifc-export'] })).license.entitlements).toEqual(['ifc-export', 'cloud']);
    expect((await issue(product.code, { entitlements: [] })).license.entitlements).toEqual([]);
    const refused = await issue(product.code, { entitlements: ['batch', 'render'] });
    expect(refused).toMatchObject({ code: 'INVALID_INPUT', field: 'entitlements' });
    expect(refused.message).toContain('"render"');
  });

  it('every token carries ent, [] when none; a license change reaches a machine at its next renewal; license.updated says so', async () => {
    const bare = await t.seed.license();
    const bareToken = (await t.gql(ACTIVATE, { input: machine(bare, 'bare-pc') })).data.activateMachine.token;
    expect(decodeJwt(bareToken).ent).toEqual([]);
    expect(decodeJwt((await t.gql(RENEW, { token: bareToken })).data.renewToken.token).ent).toEqual([]);

    const product = await t.seed.product({ entitlements: ['ifc-export', 'batch'] });
    const license = await t.seed.license({ product, entitlements: ['ifc-export'] });
    const first = (await t.gql(ACTIVATE, { input: machine(license, 'ent-pc') })).data.activateMachine.token;
    expect(decodeJwt(first).ent).toEqual(['ifc-export']);

    const changed = await t.gql(UPDATE_LICENSE, { input: { licenseId: license.id, entitlements: ['batch', 'ifc-export'] } }, tenants.tokens.vendor);
    expect(changed.data.updateLicense.license.entitlements).toEqual(['ifc-export', 'batch']);
    // The token out there is signed: it keeps what it said until the machine renews.
    expect(decodeJwt(first).ent).toEqual(['ifc-export']);
    const renewed = (await t.gql(RENEW, { token: first })).data.renewToken.token;
    expect(decodeJwt(renewed).ent).toEqual(['ifc-export', 'batch']);
    const verdict = await verifyOfflineToken(renewed, { keys, product: license.product, fingerprint: 'ent-pc' });
    expect(verdict).toMatchObject({ status: 'VALID', claims: { ent: ['ifc-export', 'batch'] } });

    const event = await lastEvent('license.updated');
    expect(event.data).toMatchObject({ changed: ['entitlements'], license: { id: license.id, entitlements: ['ifc-export', 'batch'] } });
    const audit = await t.app.database.prisma.auditEvent.findFirstOrThrow({ where: { action: 'license.entitlements_changed', subject: `license:${license.id}` } });
    expect(audit.data).toMatchObject({ before: { entitlements: ['ifc-export'] }, after: { entitlements: ['ifc-export', 'batch'] } });

    const refused = await t.gql(UPDATE_LICENSE, { input: { licenseId: license.id, entitlements: ['render'] } }, tenants.tokens.vendor);
    expect(refused.data.updateLicense).toMatchObject({ code: 'INVALID_INPUT', field: 'entitlements' });
  });

  it('a code withdrawn from the product is taken from its licenses in the same change', async () => {
    const { product } = await createProduct({ entitlements: ['ifc-export', 'batch'] });
    const kept = await issue(product.code);
    const other = await issue(product.code, { entitlements: ['ifc-export'] });
    const updated = await t.gql(UPDATE_PRODUCT, { input: { code: product.code, entitlements: ['ifc-export', 'cloud'] } }, tenants.tokens.vendor);
    expect(updated.data.updateProduct.product.entitlements).toEqual(['ifc-export', 'cloud']);
    const rows = await t.app.database.prisma.license.findMany({ where: { id: { in: [kept.license.id, other.license.id] } } });
    expect(rows.map((r) => r.entitlements)).toEqual([['ifc-export'], ['ifc-export']]);
  });

  it('the operator\'s CLI takes --entitlements and --trial on product create|update and --entitlements on license issue', async () => {
    const { commands: COMMANDS } = await import('@slotkeeper/api/operator');
    const code = `cli-${tag()}`;
    const created = await COMMANDS['product create']!.run(t.app, { code, name: 'CLI', entitlements: 'ifc-export,batch', trial: '14d' });
    expect(created).toMatchObject({ entitlements: ['ifc-export', 'batch'], trialSeconds: 14 * 86_400 });
    expect(await COMMANDS['product update']!.run(t.app, { code, trial: 'none' })).toMatchObject({ trialSeconds: null });
    expect(await COMMANDS['product update']!.run(t.app, { code, trial: '90m' })).toMatchObject({ trialSeconds: 5400 });
    await expect((async () => COMMANDS['product update']!.run(t.app, { code, trial: '2w' }))()).rejects.toThrow(/--trial must be a duration/);
    const issued = await COMMANDS['license issue']!.run(t.app, { email: `cli-${tag()}@example.com`, product: code, seats: '1', expires: '+30d', entitlements: 'batch' });
    expect(issued).toMatchObject({ license: { entitlements: ['batch'] } });
  });
});

describe('trials', () => {
  const trialInput = (product: string, fingerprint: string, email?: string) => ({
    product,
    fingerprint,
    machineName: `TRIAL-${fingerprint}`,
    osUser: 'bob',
    ...(email ? { email } : {}),
  });

  it('gives a seatless token marked trial that lasts the trial and that the SDK verifies offline; not renewable', async () => {
    const product = await t.seed.product({ trialSeconds: 3600, entitlements: ['ifc-export', 'batch'] });
    const before = await t.app.database.prisma.activation.count();
    const { data } = await t.gql(START_TRIAL, { input: trialInput(product.code, 'trial-pc-1') });
    expect(data.startTrial.__typename).toBe('StartTrialSuccess');
    const claims = decodeJwt(data.startTrial.token);
    expect(claims).toMatchObject({ aud: product.code, trial: true, seats: 0, ent: ['ifc-export', 'batch'], fp: fingerprintHash('trial-pc-1') });
    expect(claims.exp! - claims.iat!).toBe(3600);
    expect(new Date(data.startTrial.expiresAt).getTime()).toBe(claims.exp! * 1000);
    expect(await t.app.database.prisma.activation.count()).toBe(before);

    const verdict = await verifyOfflineToken(data.startTrial.token, { keys, product: product.code, fingerprint: 'trial-pc-1' });
    expect(verdict).toMatchObject({ status: 'VALID', claims: { trial: true } });
    const later = await verifyOfflineToken(data.startTrial.token, { keys, product: product.code, fingerprint: 'trial-pc-1', now: new Date(claims.exp! * 1000 + 1000) });
    expect(later.status).toBe('EXPIRED');

    expect((await t.gql(RENEW, { token: data.startTrial.token })).data.renewToken.code).toBe('TRIAL_NOT_RENEWABLE');
    const event = await lastEvent('trial.started');
    expect(event.data.trial).toMatchObject({ product: product.code, machineName: 'TRIAL-trial-pc-1', email: null });
  });

  it('failure codes: TRIAL_USED on the same machine, NO_TRIAL, NOT_FOUND, INVALID_INPUT', async () => {
    const product = await t.seed.product({ trialSeconds: 60 });
    expect((await t.gql(START_TRIAL, { input: trialInput(product.code, 'used-pc') })).data.startTrial.__typename).toBe('StartTrialSuccess');
    // Even after it ended: one trial per machine per product, ever.
    t.clock.advance(120_000);
    const again = (await t.gql(START_TRIAL, { input: trialInput(product.code, 'used-pc', 'x@example.com') })).data.startTrial;
    expect(again).toMatchObject({ code: 'TRIAL_USED' });
    expect(new Date(again.startedAt).getTime()).toBeLessThan(t.clock.now().getTime() - 100_000);
    // Another product's trial on the same machine is its own.
    const other = await t.seed.product({ trialSeconds: 60 });
    expect((await t.gql(START_TRIAL, { input: trialInput(other.code, 'used-pc') })).data.startTrial.__typename).toBe('StartTrialSuccess');

    const none = await t.seed.product();
    expect((await t.gql(START_TRIAL, { input: trialInput(none.code, 'pc-x') })).data.startTrial).toMatchObject({ code: 'NO_TRIAL', message: `${none.code} offers no trial.` });
    expect((await t.gql(START_TRIAL, { input: trialInput(`nope-${tag()}`, 'pc-x') })).data.startTrial.code).toBe('NOT_FOUND');
    for (const [input, field] of [
      [{ ...trialInput(product.code, 'pc-y'), machineName: ' ' }, 'machineName'],
      [{ ...trialInput(product.code, 'pc-y'), osUser: '' }, 'osUser'],
      [{ ...trialInput(product.code, ''), email: 'a@example.com' }, 'fingerprint'],
      [trialInput(product.code, 'pc-y', 'not-an-email'), 'email'],
    ] as const) {
      expect((await t.gql(START_TRIAL, { input })).data.startTrial).toMatchObject({ code: 'INVALID_INPUT', field });
    }
    expect(await t.app.database.prisma.trial.count({ where: { fingerprintHash: fingerprintHash('pc-y') } })).toBe(0);
  });

  it('20 concurrent startTrial requests of one machine: exactly one wins, the others TRIAL_USED', async () => {
    const product = await t.seed.product({ trialSeconds: 600 });
    const url = `${(await t.listen()).url}/graphql`;
    const results = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: START_TRIAL, variables: { input: trialInput(product.code, 'race-pc') } }),
        });
        return ((await response.json()) as { data: { startTrial: Record<string, any> } }).data.startTrial;
      }),
    );
    const won = results.filter((r) => r.__typename === 'StartTrialSuccess');
    const used = results.filter((r) => r.code === 'TRIAL_USED');
    console.log(`20 concurrent startTrial of one machine: ${won.length} succeeded, ${used.length} TRIAL_USED`);
    expect(won).toHaveLength(1);
    expect(used).toHaveLength(19);
    expect(await t.app.database.prisma.trial.count({ where: { productId: product.id } })).toBe(1);
  });

  it('is listed for vendor admins with the lead; a purchase by the same e-mail links it', async () => {
    const product = await t.seed.product({ trialSeconds: 600 });
    const email = `lead-${tag()}@example.com`;
    await t.gql(START_TRIAL, { input: trialInput(product.code, 'lead-pc', email.toUpperCase()) });
    await t.gql(START_TRIAL, { input: trialInput(product.code, 'anon-pc') });

    const answer = await t.gql(TRIALS, { filter: { product: product.code } }, tenants.tokens.vendor);
    const listed = { totalCount: answer.data.trials.totalCount, nodes: nodes(answer.data.trials) };
    expect(listed.totalCount).toBe(2);
    expect(listed.nodes.find((n: any) => n.machineName === 'TRIAL-lead-pc')).toMatchObject({ email, license: null });
    const refused = await t.gql(TRIALS, {}, tenants.tokens.resellerA);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const bought = await issue(product.code, {}, email);
    const after = (await t.gql(TRIALS, { filter: { product: product.code, converted: true } }, tenants.tokens.vendor)).data.trials;
    expect(nodes(after)).toEqual([expect.objectContaining({ email, license: { id: bought.license.id } })]);
    const open = (await t.gql(TRIALS, { filter: { product: product.code, converted: false } }, tenants.tokens.vendor)).data.trials;
    expect(nodes(open).map((n) => n.machineName)).toEqual(['TRIAL-anon-pc']);

    // The audit log has each start with its lead; the license's history, the trial it followed.
    const leadTrial = listed.nodes.find((n: any) => n.machineName === 'TRIAL-lead-pc');
    const started = await t.app.database.prisma.auditEvent.findFirstOrThrow({ where: { action: 'trial.started', subject: `trial:${leadTrial.id}` } });
    expect(started.data).toMatchObject({ product: product.code, machineName: 'TRIAL-lead-pc', email, expiresAt: leadTrial.expiresAt });
    const history = await t.gql(HISTORY, { licenseId: bought.license.id }, tenants.tokens.vendor);
    const purchased = nodes(history.data.auditEvents).filter((e) => e.action === 'trial.purchased');
    expect(purchased).toHaveLength(1);
    expect(JSON.parse(purchased[0].data)).toMatchObject({ license: bought.license.id, email, machineName: 'TRIAL-lead-pc', startedAt: leadTrial.startedAt });
    // A second purchase by the lead links nothing again.
    const again = await issue(product.code, {}, email);
    const second = await t.gql(HISTORY, { licenseId: again.license.id }, tenants.tokens.vendor);
    expect(nodes(second.data.auditEvents).map((e) => e.action)).toEqual(['license.issued']);

    // The buyer activates the trial machine with the license: a real slot, a token without `trial`.
    const slot = (await t.gql(ACTIVATE, { input: { ...machine({ email, password: await passwordOf(email), product: product.code }, 'lead-pc') } })).data.activateMachine;
    expect(slot.__typename).toBe('ActivateMachineSuccess');
    expect(decodeJwt(slot.token).trial).toBeUndefined();
  });

  it('is rate limited per client address (RATE_LIMIT_TRIALS_PER_ADDRESS)', async () => {
    const limited = await startTestApp({ database: t.app.database, config: { rateLimitTrialsPerAddress: 2 } });
    try {
      const product = await limited.seed.product({ trialSeconds: 60 });
      const answers = [];
      for (const fp of ['r1', 'r2', 'r3']) answers.push((await limited.gql(START_TRIAL, { input: trialInput(product.code, fp) })));
      expect(answers.slice(0, 2).map((a) => a.data?.startTrial.__typename)).toEqual(['StartTrialSuccess', 'StartTrialSuccess']);
      expect(answers[2]!.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
      expect(await t.app.database.prisma.trial.count({ where: { productId: product.id } })).toBe(2);
    } finally {
      await limited.close();
    }
  });
});
