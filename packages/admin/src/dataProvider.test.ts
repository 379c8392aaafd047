// The data provider's mapping of react-admin calls onto the admin GraphQL API, with a fake fetch
// (test/admin-e2e-data-provider.test.ts runs the same provider against the real server).
import { describe, expect, it } from 'vitest';
import { createAuthProvider } from './authProvider.ts';
import { MAX_PAGE, createDataProvider, offsetCursor } from './dataProvider.ts';
import { ApiError, createApi } from './graphql.ts';

interface Sent {
  query: string;
  variables: Record<string, any>;
  authorization: string | null;
}

/** A fetch that records each GraphQL request and answers with `reply(request)` (data, or a full body with errors). */
function fakeServer(reply: (sent: Sent) => unknown, token: string | null = 'sst_test') {
  const sent: Sent[] = [];
  const fetch = (async (_url: string, init: RequestInit) => {
    const body = JSON.parse(String(init.body));
    const request = { query: body.query, variables: body.variables ?? {}, authorization: new Headers(init.headers).get('authorization') };
    sent.push(request);
    const answer = reply(request) as Record<string, unknown>;
    const payload = answer && ('errors' in answer || 'data' in answer) ? answer : { data: answer };
    return new Response(JSON.stringify(payload), { headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof globalThis.fetch;
  const api = createApi({ url: 'http://slotkeeper.test/graphql', token: () => token, fetch });
  return { sent, api, dataProvider: createDataProvider(api) };
}

const page = (nodes: object[], totalCount = nodes.length) => ({ page: { totalCount, edges: nodes.map((node) => ({ node })) } });
const decode = (cursor: string) => atob(cursor);

describe('getList', () => {
  it('maps the page to first + an offset cursor, the sort to orderBy and the filter to the API filter', async () => {
    const { sent, dataProvider } = fakeServer(() => page([{ id: 'l1' }, { id: 'l2' }], 42));
    const result = await dataProvider.getList('licenses', {
      pagination: { page: 3, perPage: 10 },
      sort: { field: 'customer.email', order: 'DESC' },
      filter: { customerEmail: 'acme', status: 'ACTIVE', expiringWithinDays: '30', product: '', unknown: 'x' },
    });
    expect(result).toEqual({ data: [{ id: 'l1' }, { id: 'l2' }], total: 42 });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.query).toContain('licenses(first: $first, after: $after, filter: $filter, orderBy: $orderBy)');
    expect(sent[0]!.query).toContain('$filter: LicenseFilter, $orderBy: LicenseOrder');
    const { first, after, filter, orderBy } = sent[0]!.variables;
    expect(first).toBe(10);
    // Pothos offset cursors: the page starts right after offset 19, at record 20 = (3 - 1) × 10.
    expect(decode(after)).toBe('OffsetConnection:19');
    expect(filter).toEqual({ customerEmail: 'acme', status: 'ACTIVE', expiringWithinDays: 30 });
    expect(orderBy).toEqual({ field: 'customer_email', direction: 'DESC' });
  });

  it('asks for the first page without a cursor, and leaves unknown sorts and empty filters to the server', async () => {
    const { sent, dataProvider } = fakeServer(() => page([]));
    await dataProvider.getList('customers', { pagination: { page: 1, perPage: 25 }, sort: { field: 'id', order: 'ASC' }, filter: { q: '' } });
    expect(sent[0]!.variables).toEqual({ first: 25, after: null, filter: null, orderBy: null });
  });

  it('uses each resource’s own connection, filter and sort names', async () => {
    const { sent, dataProvider } = fakeServer(() => page([]));
    const cases = [
      ['staff', 'staffUsers', 'StaffFilter', { q: 'ops', role: 'VENDOR_ADMIN' }, 'role'],
      ['audit', 'auditEvents', 'AuditEventFilter', { action: 'license.issued', subject: 'license:1' }, 'at'],
      ['mail', 'mailMessages', 'MailMessageFilter', { status: 'FAILED', to: 'x@' }, 'to'],
      ['resellers', 'resellers', 'ResellerFilter', { q: 'acme' }, 'name'],
      ['activations', 'activations', 'ActivationFilter', { live: 'false', q: 'PC' }, 'machineName'],
    ] as const;
    for (const [resource, field, filterType, filter, sortField] of cases) {
      await dataProvider.getList(resource, { pagination: { page: 1, perPage: 5 }, sort: { field: sortField, order: 'ASC' }, filter });
      const request = sent.at(-1)!;
      expect(request.query).toContain(`${field}(first:`);
      expect(request.query).toContain(`$filter: ${filterType}`);
      expect(request.variables.orderBy).toEqual({ field: sortField, direction: 'ASC' });
    }
    expect(sent.at(-1)!.variables.filter).toEqual({ live: false, q: 'PC' });
  });

  it(`reads more than ${MAX_PAGE} records (CSV export) as several pages of the API's largest size`, async () => {
    const { sent, dataProvider } = fakeServer(({ variables }) => {
      const start = variables.after ? Number(decode(variables.after).split(':')[1]) + 1 : 0;
      const count = Math.max(0, Math.min(variables.first, 1300 - start));
      return page(Array.from({ length: count }, (_, i) => ({ id: `r${start + i}` })), 1300);
    });
    const { data, total } = await dataProvider.getList('licenses', { pagination: { page: 1, perPage: 1200 }, sort: { field: 'createdAt', order: 'ASC' }, filter: {} });
    expect(total).toBe(1300);
    expect(data).toHaveLength(1200);
    expect(data.at(-1)!.id).toBe('r1199');
    expect(sent.map((s) => [s.variables.first, s.variables.after && decode(s.variables.after)])).toEqual([
      [500, null],
      [500, 'OffsetConnection:499'],
      [200, 'OffsetConnection:999'],
    ]);
  });

  it('pages, sorts and searches products (a plain list in the API) itself', async () => {
    const products = [
      { id: 'p1', code: 'revit', name: 'Revit Tools' },
      { id: 'p2', code: 'acad', name: 'AutoCAD Kit' },
      { id: 'p3', code: 'max', name: 'Max Render' },
    ];
    const { dataProvider } = fakeServer(() => ({ products }));
    const sorted = await dataProvider.getList('products', { pagination: { page: 1, perPage: 2 }, sort: { field: 'name', order: 'ASC' }, filter: {} });
    expect(sorted).toEqual({ data: [products[1], products[2]], total: 3 });
    const found = await dataProvider.getList('products', { pagination: { page: 1, perPage: 10 }, sort: { field: 'code', order: 'DESC' }, filter: { q: 'RE' } });
    expect(found.data.map((p) => p.code)).toEqual(['revit', 'max']);
  });
});

describe('references and single records', () => {
  it('getManyReference filters by the target: activations of a license, licenses of a customer', async () => {
    const { sent, dataProvider } = fakeServer(() => page([]));
    await dataProvider.getManyReference('activations', {
      target: 'licenseId',
      id: 'L1',
      filter: { live: true },
      pagination: { page: 1, perPage: 100 },
      sort: { field: 'activatedAt', order: 'ASC' },
    });
    expect(sent[0]!.variables.filter).toEqual({ licenseId: 'L1', live: true });
    expect(sent[0]!.variables.orderBy).toEqual({ field: 'activatedAt', direction: 'ASC' });
    await dataProvider.getManyReference('licenses', { target: 'customerId', id: 'C1', filter: {}, pagination: { page: 1, perPage: 10 }, sort: { field: 'expiresAt', order: 'DESC' } });
    expect(sent[1]!.variables.filter).toEqual({ customerId: 'C1' });
  });

  it("getOne reads license(id), and another reseller's (null) is a 404 react-admin shows as not found", async () => {
    const { sent, dataProvider } = fakeServer(({ variables }) => ({ record: variables.id === 'mine' ? { id: 'mine', seats: 2 } : null }));
    expect((await dataProvider.getOne('licenses', { id: 'mine' })).data).toEqual({ id: 'mine', seats: 2 });
    expect(sent[0]!.query).toContain('record: license(id: $id)');
    const error = await dataProvider.getOne('licenses', { id: 'theirs' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it('getMany of resources without a read-one field looks the ids up in the list', async () => {
    const { dataProvider } = fakeServer(() => page([{ id: 'r1', name: 'A' }, { id: 'r2', name: 'B' }, { id: 'r3', name: 'C' }]));
    const { data } = await dataProvider.getMany('resellers', { ids: ['r3', 'r1', 'gone'] });
    expect(data.map((r) => r.id)).toEqual(['r3', 'r1']);
  });
});

describe('mutations', () => {
  const success = (typename: string, payload: object) => ({ result: { __typename: typename, ...payload } });

  it('create on licenses issues a license (the purchase flow) with the day turned into the end of that day', async () => {
    const { sent, dataProvider } = fakeServer(() => success('IssueLicenseSuccess', { newCustomer: true, license: { id: 'L9' } }));
    const { data } = await dataProvider.create('licenses', {
      data: { email: ' buyer@example.com ', product: 'revit', seats: '3', expiresAt: '2027-12-31', reseller: '' },
    });
    expect(data).toEqual({ id: 'L9', newCustomer: true });
    expect(sent[0]!.query).toContain('issueLicense(input: $input)');
    expect(sent[0]!.variables.input).toEqual({ email: 'buyer@example.com', product: 'revit', seats: 3, expiresAt: '2027-12-31T23:59:59.999Z' });
  });

  it('update on licenses sends every changed part in one updateLicense: status, seats (with releases), expiry', async () => {
    const { sent, dataProvider } = fakeServer(({ query }) =>
      success(/on (\w+Success)/.exec(query)![1]!, { license: { id: 'L1', status: 'SUSPENDED', seats: 1 } }),
    );
    const before = { id: 'L1', status: 'ACTIVE', seats: 3, expiresAt: '2027-01-01T00:00:00.000Z' };
    await dataProvider.update('licenses', { id: 'L1', data: { ...before, status: 'SUSPENDED' }, previousData: before });
    expect(sent[0]!.query).toContain('updateLicense');
    expect(sent[0]!.variables.input).toEqual({ licenseId: 'L1', action: 'SUSPEND' });
    await dataProvider.update('licenses', { id: 'L1', data: { ...before, status: 'REVOKED' }, previousData: before });
    expect(sent[1]!.variables.input.action).toBe('REVOKE');
    await dataProvider.update('licenses', {
      id: 'L1',
      data: { ...before, seats: 1, releaseActivationIds: ['a1', 'a2'], expiresAt: '2028-06-30' },
      previousData: before,
    });
    expect(sent.slice(2).map((s) => [/result: (\w+)/.exec(s.query)![1], s.variables.input])).toEqual([
      ['updateLicense', { licenseId: 'L1', seats: 1, releaseActivationIds: ['a1', 'a2'], expiresAt: '2028-06-30T23:59:59.999Z' }],
    ]);
  });

  it('delete on activations is an admin release with the reason; staff are disabled, not deleted', async () => {
    const { sent, dataProvider } = fakeServer(({ query }) =>
      query.includes('adminReleaseActivation')
        ? success('AdminReleaseActivationSuccess', { license: { id: 'L1', seats: 2, seatsUsed: 0 } })
        : success('DisableStaffSuccess', { staff: { id: 's1', disabledAt: '2026-01-01T00:00:00Z' } }),
    );
    await dataProvider.delete('activations', { id: 'a1', previousData: { id: 'a1' }, meta: { note: 'lost laptop' } });
    expect(sent[0]!.variables.input).toEqual({ activationId: 'a1', note: 'lost laptop' });
    const { data } = await dataProvider.update('staff', { id: 's1', data: { disabled: true }, previousData: { id: 's1', disabledAt: null } });
    expect(sent[1]!.query).toContain('disableStaff');
    expect(data).toMatchObject({ id: 's1', disabledAt: '2026-01-01T00:00:00Z' });
  });

  it('turns an error result of a mutation union into a thrown error with its message and code', async () => {
    const { dataProvider } = fakeServer(() => ({
      result: { __typename: 'InvalidInputError', code: 'INVALID_INPUT', message: 'The expiry must be a valid date after the license start.', field: 'expiresAt' },
    }));
    const before = { id: 'L1', expiresAt: '2027-01-01T00:00:00.000Z' };
    const error = await dataProvider.update('licenses', { id: 'L1', data: { expiresAt: '2001-01-01' }, previousData: before }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ message: 'The expiry must be a valid date after the license start.', status: 400, code: 'INVALID_INPUT' });
  });

  it('answers FORBIDDEN results and GraphQL errors with status 403 (for checkError)', async () => {
    const forbidden = fakeServer(() => ({ result: { __typename: 'ForbiddenError', code: 'FORBIDDEN', message: 'Only vendor admins may do this.' } }));
    await expect(forbidden.dataProvider.create('resellers', { data: { name: 'X' } })).rejects.toMatchObject({ status: 403, message: 'Only vendor admins may do this.' });
    const denied = fakeServer(() => ({ data: null, errors: [{ message: 'Log in as staff first.', extensions: { code: 'FORBIDDEN' } }] }));
    await expect(denied.dataProvider.getList('mail', { pagination: { page: 1, perPage: 5 }, sort: { field: 'createdAt', order: 'DESC' }, filter: {} })).rejects.toMatchObject({
      status: 403,
      code: 'FORBIDDEN',
      message: 'Log in as staff first.',
    });
  });

  it('sends the staff token as a bearer token', async () => {
    const { sent, dataProvider } = fakeServer(() => page([]), 'sst_secret');
    await dataProvider.getList('licenses', { pagination: { page: 1, perPage: 1 }, sort: { field: 'createdAt', order: 'ASC' }, filter: {} });
    expect(sent[0]!.authorization).toBe('Bearer sst_secret');
  });

  it('has the custom actions of the customer page', async () => {
    const { sent, dataProvider } = fakeServer(({ query }) => success(query.includes('resendCredentials') ? 'ResendCredentialsSuccess' : 'SendPasswordResetSuccess', { ok: true }));
    await dataProvider.resendCredentials('c1');
    await dataProvider.sendPasswordReset('c1');
    expect(sent.map((s) => [/result: (\w+)/.exec(s.query)![1], s.variables.input])).toEqual([
      ['resendCredentials', { customerId: 'c1' }],
      ['sendPasswordReset', { customerId: 'c1' }],
    ]);
  });

  it("clears a customer's log-in lock-out, and rejects with the API's message when it can't", async () => {
    const { sent, dataProvider } = fakeServer(() => success('ClearLoginLockoutSuccess', { customer: { id: 'c1' } }));
    await dataProvider.clearLoginLockout('c1');
    expect(sent.map((s) => [/result: (\w+)/.exec(s.query)![1], s.variables.input])).toEqual([['clearLoginLockout', { customerId: 'c1' }]]);
    const foreign = fakeServer(() => success('NotFoundError', { code: 'NOT_FOUND', message: 'There is no such customer.' }));
    await expect(foreign.dataProvider.clearLoginLockout('c2')).rejects.toMatchObject({ message: 'There is no such customer.' });
  });
});

describe('authProvider', () => {
  function store(initial: string | null = null) {
    let token = initial;
    return { token: () => token, set: (t: string) => void (token = t), clear: () => void (token = null) };
  }

  it('keeps the token of staffLogIn and shows the error result of a wrong password', async () => {
    const tokens = store();
    const good = fakeServer(() => ({ result: { __typename: 'StaffLogInSuccess', token: 'sst_new' } }), null);
    await createAuthProvider(good.api, tokens).login({ username: ' ops@example.com ', password: 'pw' });
    expect(tokens.token()).toBe('sst_new');
    expect(good.sent[0]!.variables.input).toEqual({ email: 'ops@example.com', password: 'pw' });
    const bad = fakeServer(() => ({ result: { __typename: 'InvalidCredentialsError', code: 'INVALID_CREDENTIALS', message: 'The e-mail or password is wrong.' } }), null);
    await expect(createAuthProvider(bad.api, store()).login({ username: 'x', password: 'y' })).rejects.toThrow('The e-mail or password is wrong.');
  });

  it('logs out on FORBIDDEN only when the session itself has ended', async () => {
    const ended = store('sst_old');
    const gone = fakeServer(() => ({ viewer: null }));
    await expect(createAuthProvider(gone.api, ended).checkError(new ApiError('Log in first.', 403, 'FORBIDDEN'))).rejects.toThrow('Your session has ended');
    expect(ended.token()).toBeNull();

    const alive = store('sst_ok');
    const viewer = fakeServer(() => ({ viewer: { id: 's1', email: 'a@example.com', role: 'RESELLER_ADMIN', reseller: null } }));
    await expect(createAuthProvider(viewer.api, alive).checkError(new ApiError('Only vendor admins may do this.', 403, 'FORBIDDEN'))).resolves.toBeUndefined();
    await expect(createAuthProvider(viewer.api, alive).checkError(new ApiError('Bad input', 400, 'INVALID_INPUT'))).resolves.toBeUndefined();
    expect(alive.token()).toBe('sst_ok');
    expect(viewer.sent).toHaveLength(1);
  });

  it('reads permissions and identity from viewer', async () => {
    const { api } = fakeServer(() => ({ viewer: { id: 's1', email: 'a@example.com', role: 'VENDOR_ADMIN', reseller: null } }));
    const auth = createAuthProvider(api, store('sst_ok'));
    expect(await auth.getPermissions!({})).toBe('VENDOR_ADMIN');
    expect(await auth.getIdentity!()).toMatchObject({ id: 's1', fullName: 'a@example.com' });
    expect(await createAuthProvider(api, store()).getPermissions!({})).toBeNull();
  });
});

it('offset cursors are what Pothos writes', () => {
  expect(offsetCursor(19)).toBe(Buffer.from('OffsetConnection:19').toString('base64'));
});
