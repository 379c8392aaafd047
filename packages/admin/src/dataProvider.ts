import type { DataProvider, GetListParams, Identifier, RaRecord } from 'react-admin';
import type { SeatUsage, SeatUsagePoint } from './generated/schema.ts';
import { durationSeconds } from './common/policy.ts';
import { type Api, ApiError, FIELD_ERROR } from './graphql.ts';

// react-admin's resources on the admin GraphQL API: Relay connections with totalCount, read by
// offset (Pothos offset cursors), sorted with `orderBy: { field, direction }`, filtered with `filter`.

type Coerce = 'string' | 'int' | 'boolean';

interface ConnectionResource {
  /** Root field of the connection. */
  field: string;
  type: string;
  /** Selection of one record. */
  fields: string;
  /** react-admin filter keys accepted by the API's `<type>Filter`, and how to read them from the URL. */
  filters: Record<string, Coerce>;
  /** react-admin sort field → the API's `<type>SortField`. */
  sorts: Record<string, string>;
  /** Root field that reads one record by id (null for another tenant's), when the API has one. */
  one?: string;
}

const LICENSE = `id seats pendingSeats seatsUsed overSeats deniedLast30Days status startsAt expiresAt createdAt entitlements
  reseller { id name } customer { id email } product { id code name entitlements overagePercent } purchase { shop orderId subscriptionId livemode url endedAt }`;
const STAFF = 'id email role createdAt disabledAt reseller { id name }';

type ProductValue = (value: unknown) => unknown;
/** A duration input's value: the stored seconds (untouched), or the text typed ("30m", "none", ""). */
const duration: ProductValue = (value) => {
  if (value === undefined || value === null || typeof value === 'number') return value;
  const seconds = durationSeconds(String(value));
  if (seconds === undefined) throw new ApiError(`"${String(value)}" is not a duration.`, 400, 'INVALID_INPUT');
  return seconds;
};
/** Feature codes typed as "ifc-export, batch" (or the stored list, untouched). */
const codes: ProductValue = (value) =>
  value === undefined || Array.isArray(value) ? value : String(value ?? '').split(/[\s,]+/).filter(Boolean);
/**
 * A product's settings as the create and edit forms send them (products/ProductInputs.tsx shows them):
 * one line per field, its value as the API's input takes it. Fields left unchanged in an edit are not sent.
 */
const PRODUCT_SETTINGS: Record<string, ProductValue> = {
  name: (value) => optionalString(value),
  leaseSeconds: duration,
  maxBorrowSeconds: duration,
  revivalWindowSeconds: duration,
  overagePercent: (value) => optionalInt(value),
  trialSeconds: duration,
  entitlements: codes,
  remoteReleasesPerYear: (value) => optionalInt(value),
  tokenAlg: (value) => optionalString(value),
};
const LINKS = ['website', 'documentation', 'support', 'purchase'];
const PRODUCT = `id code createdAt ${Object.keys(PRODUCT_SETTINGS).join(' ')} links { ${LINKS.join(' ')} }`;

/** The product input of a create (every setting) or an update (only what changed from `before`). */
function productInput(data: Record<string, unknown>, before?: Record<string, unknown>) {
  const changed = (key: string, value: unknown, old: unknown) => !before || JSON.stringify(value ?? null) !== JSON.stringify(old ?? null);
  const input: Record<string, unknown> = {};
  for (const [key, toInput] of Object.entries(PRODUCT_SETTINGS)) {
    if (changed(key, data[key], before?.[key])) input[key] = toInput(data[key]);
  }
  const links = (data.links ?? {}) as Record<string, unknown>;
  const oldLinks = (before?.links ?? {}) as Record<string, unknown>;
  const linkInput = Object.fromEntries(
    LINKS.filter((k) => changed(k, links[k], oldLinks[k])).map((k) => [k, optionalString(links[k]) ?? (before ? null : undefined)]),
  );
  if (Object.keys(linkInput).length) input.links = linkInput;
  return input;
}

/** The API names a link by itself ("website"); the form's input is `links.website`. */
async function productErrors<T>(run: Promise<T>): Promise<T> {
  try {
    return await run;
  } catch (error) {
    const errors = (error as ApiError).body as { errors?: Record<string, string> } | undefined;
    if (error instanceof ApiError && errors?.errors) {
      const mapped = Object.fromEntries(Object.entries(errors.errors).map(([k, v]) => [LINKS.includes(k) ? `links.${k}` : k, v]));
      throw new ApiError(error.message, error.status, error.code, { errors: mapped });
    }
    throw error;
  }
}
const API_TOKEN = 'id name role hint createdAt lastUsedAt revokedAt reseller { id name } createdBy { id email }';
const WEBHOOK = 'id url events enabled disabledAt failingSince previousSecretUntil createdAt reseller { id name }';

export const RESOURCES: Record<string, ConnectionResource> = {
  licenses: {
    field: 'licenses',
    type: 'License',
    fields: LICENSE,
    filters: { product: 'string', status: 'string', expiringWithinDays: 'int', customerEmail: 'string', customerId: 'string', resellerId: 'string' },
    sorts: {
      createdAt: 'createdAt',
      expiresAt: 'expiresAt',
      seats: 'seats',
      seatsUsed: 'seatsUsed',
      status: 'status',
      'customer.email': 'customer_email',
      'product.name': 'product_name',
      'reseller.name': 'reseller_name',
    },
    one: 'license',
  },
  customers: {
    field: 'customers',
    type: 'Customer',
    fields: 'id email createdAt passwordChangedAt licenseCount deniedLast30Days loginLockout { locked lockedUntil failedAttempts }',
    filters: { q: 'string', resellerId: 'string' },
    sorts: { email: 'email', createdAt: 'createdAt' },
    one: 'customer',
  },
  activations: {
    field: 'activations',
    type: 'Activation',
    fields: `id machineName osUser activatedAt lastSeenAt releasedAt releaseReason
      license { id seats seatsUsed customer { id email } product { code name } }`,
    filters: { licenseId: 'string', live: 'boolean', q: 'string' },
    sorts: { activatedAt: 'activatedAt', lastSeenAt: 'lastSeenAt', releasedAt: 'releasedAt', machineName: 'machineName' },
  },
  resellers: {
    field: 'resellers',
    type: 'Reseller',
    fields: 'id name createdAt licenseCount staffCount',
    filters: { q: 'string' },
    sorts: { name: 'name', createdAt: 'createdAt' },
  },
  staff: {
    field: 'staffUsers',
    type: 'Staff',
    fields: STAFF,
    filters: { q: 'string', role: 'string' },
    sorts: { email: 'email', role: 'role', createdAt: 'createdAt' },
  },
  audit: {
    field: 'auditEvents',
    type: 'AuditEvent',
    fields: 'id actor action subject resellerId data at',
    filters: { action: 'string', subject: 'string', actor: 'string', licenseId: 'string' },
    sorts: { at: 'at', action: 'action', actor: 'actor' },
  },
  webhooks: {
    field: 'webhookEndpoints',
    type: 'WebhookEndpoint',
    fields: WEBHOOK,
    filters: { url: 'string' },
    sorts: { createdAt: 'createdAt', url: 'url' },
    one: 'webhookEndpoint',
  },
  apiTokens: {
    field: 'apiTokens',
    type: 'ApiToken',
    fields: API_TOKEN,
    filters: { name: 'string', revoked: 'boolean' },
    sorts: { createdAt: 'createdAt', name: 'name', lastUsedAt: 'lastUsedAt' },
  },
  webhookDeliveries: {
    field: 'webhookDeliveries',
    type: 'WebhookDelivery',
    fields: 'id eventId eventType status attempts lastStatusCode lastError nextAttemptAt createdAt deliveredAt log { attempt at statusCode error durationMs }',
    filters: { endpointId: 'string', status: 'string' },
    sorts: { createdAt: 'createdAt', status: 'status' },
  },
  trials: {
    field: 'trials',
    type: 'Trial',
    fields: 'id email machineName osUser startedAt expiresAt product { id code name } license { id customer { email } }',
    filters: { product: 'string', email: 'string', converted: 'boolean' },
    sorts: { startedAt: 'startedAt', expiresAt: 'expiresAt', email: 'email', machineName: 'machineName' },
    one: 'trial',
  },
  mail: {
    field: 'mailMessages',
    type: 'MailMessage',
    fields: 'id to template status attempts lastError nextAttemptAt createdAt sentAt',
    filters: { status: 'string', to: 'string' },
    sorts: { createdAt: 'createdAt', status: 'status', to: 'to' },
  },
};

/**
 * Edits that change one text field with a mutation of their own (the customer's login e-mail, the
 * reseller's name): its input names the record by `id` and takes the trimmed text; its success holds
 * the record under `result`.
 */
const TEXT_EDITS: Record<string, { field: string; mutation: string; id: string; result: string }> = {
  customers: { field: 'email', mutation: 'updateCustomer', id: 'customerId', result: 'customer' },
  resellers: { field: 'name', mutation: 'renameReseller', id: 'resellerId', result: 'reseller' },
};

/** The API's largest page; longer reads (CSV export) are made of several. */
export const MAX_PAGE = 500;

export const offsetCursor = (offset: number) => btoa(`OffsetConnection:${offset}`);

function resourceOf(name: string): ConnectionResource {
  const resource = RESOURCES[name];
  if (!resource) throw new ApiError(`Unknown resource "${name}".`, 404);
  return resource;
}

function coerce(value: unknown, kind: Coerce): unknown {
  if (value === undefined || value === null || value === '') return undefined;
  if (kind === 'int') {
    const n = Number(value);
    return Number.isInteger(n) ? n : undefined;
  }
  if (kind === 'boolean') return value === true || value === 'true' ? true : value === false || value === 'false' ? false : undefined;
  return String(value);
}

/** react-admin's filter values → the API's filter input (unknown keys and empty values dropped). */
export function filterInput(resource: string, filter: Record<string, unknown> | undefined): Record<string, unknown> | null {
  const allowed = resourceOf(resource).filters;
  const input: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(filter ?? {})) {
    const kind = allowed[key];
    if (!kind) continue;
    const coerced = coerce(value, kind);
    if (coerced !== undefined) input[key] = coerced;
  }
  return Object.keys(input).length ? input : null;
}

/** react-admin's sort → the API's orderBy; null (server default) for a field the API can't sort by. */
export function orderInput(resource: string, sort: GetListParams['sort'] | undefined) {
  const field = sort ? resourceOf(resource).sorts[sort.field] : undefined;
  return field ? { field, direction: sort!.order === 'DESC' ? 'DESC' : 'ASC' } : null;
}

/** The page react-admin asks for (1-based) → `first` and an offset cursor `after` it. */
export function pageArgs(page: number, perPage: number) {
  const offset = Math.max(0, (page - 1) * perPage);
  return { offset, first: perPage, after: offset > 0 ? offsetCursor(offset - 1) : null };
}

const dateTime = (value: unknown) => {
  if (value instanceof Date) return value.toISOString();
  const text = String(value);
  // A date input gives the day: the license runs to its end (as the CLI's --expires does).
  return /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T23:59:59.999Z` : new Date(text).toISOString();
};

const optionalInt = (value: unknown) => (value === undefined || value === null || value === '' ? undefined : Number(value));
const optionalString = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);

// The seat report is read whole (every field of the schema's SeatUsage), so its generated types are its shape.
export type { SeatUsage, SeatUsageRow } from './generated/schema.ts';

/** The home page's activity figures: the days of `seatUsage`, in all and per reseller. */
export interface SeatActivity {
  history: Pick<SeatUsagePoint, 'day' | 'activations' | 'denied'>[];
  resellerHistory: { key: string; label: string; history: Pick<SeatUsagePoint, 'day' | 'seatsUsed' | 'activations' | 'denied'>[] }[];
}

export interface MailDelivery {
  configured: boolean;
  /** Held messages; null for reseller admins, who cannot open them. */
  held: number | null;
}

export interface OpenedMail {
  from: string;
  subject: string;
  text: string;
  mail: { id: string; to: string; status: string };
}

export interface SlotkeeperDataProvider extends DataProvider {
  seatUsage(days: number): Promise<SeatUsage>;
  mailDelivery(): Promise<MailDelivery>;
  seatActivity(days: number): Promise<SeatActivity>;
  /** Folds `sourceId` into `targetId` (licenses, staff, endpoints, history); the source is deleted. */
  mergeResellers(sourceId: Identifier, targetId: Identifier): Promise<{ movedLicenses: number; movedStaff: number }>;
  /** A message as its recipient reads it; audited. */
  openMailMessage(id: Identifier): Promise<OpenedMail>;
  resendCredentials(customerId: Identifier): Promise<void>;
  sendPasswordReset(customerId: Identifier): Promise<void>;
  clearLoginLockout(customerId: Identifier): Promise<void>;
  changeStaffPassword(input: { currentPassword: string; newPassword: string; newPasswordRepeat: string }): Promise<void>;
  /** A new signing secret for the endpoint, shown once; the old one signs beside it for a day. */
  rotateWebhookSecret(endpointId: Identifier): Promise<string>;
  resendWebhookDelivery(deliveryId: Identifier): Promise<void>;
}

export function createDataProvider(api: Api): SlotkeeperDataProvider {
  async function connectionPage(resource: string, first: number, after: string | null, filter: object | null, orderBy: object | null) {
    const r = resourceOf(resource);
    const { page } = await api.request<{ page: { totalCount: number; edges: { node: RaRecord }[] } }>(
      `query($first: Int, $after: String, $filter: ${r.type}Filter, $orderBy: ${r.type}Order) {
        page: ${r.field}(first: $first, after: $after, filter: $filter, orderBy: $orderBy) { totalCount edges { node { ${r.fields} } } }
      }`,
      { first, after, filter, orderBy },
    );
    return { total: page.totalCount, data: page.edges.map((edge) => edge.node) };
  }

  async function list(resource: string, params: Pick<GetListParams, 'pagination' | 'sort' | 'filter'>) {
    if (resource === 'products') return productList(params);
    const { page = 1, perPage = 25 } = params.pagination ?? {};
    const filter = filterInput(resource, params.filter);
    const orderBy = orderInput(resource, params.sort);
    const { offset } = pageArgs(page, perPage);
    const data: RaRecord[] = [];
    let total = 0;
    // One request for a normal page; several of MAX_PAGE for a longer read (export).
    for (;;) {
      const next = offset + data.length;
      const size = Math.min(MAX_PAGE, perPage - data.length);
      const result = await connectionPage(resource, size, next > 0 ? offsetCursor(next - 1) : null, filter, orderBy);
      total = result.total;
      data.push(...result.data);
      if (result.data.length < size || data.length >= perPage || next + result.data.length >= total) break;
    }
    return { data, total };
  }

  // Products are a short plain list in the API: page, sort and filter them here.
  async function products(): Promise<RaRecord[]> {
    const { products } = await api.request<{ products: RaRecord[] }>(`query { products { ${PRODUCT} } }`);
    return products;
  }
  async function productList(params: Pick<GetListParams, 'pagination' | 'sort' | 'filter'>) {
    const { page = 1, perPage = 25 } = params.pagination ?? {};
    const q = String(params.filter?.q ?? '').toLowerCase();
    let rows = (await products()).filter((p) => !q || `${p.code} ${p.name}`.toLowerCase().includes(q));
    const sort = params.sort;
    if (sort && ['code', 'name', 'createdAt', 'leaseSeconds', 'overagePercent', 'trialSeconds', 'remoteReleasesPerYear'].includes(sort.field)) {
      const sign = sort.order === 'DESC' ? -1 : 1;
      rows = rows.toSorted((a, b) => (a[sort.field] ?? '') < (b[sort.field] ?? '') ? -sign : (a[sort.field] ?? '') > (b[sort.field] ?? '') ? sign : 0);
    }
    return { data: rows.slice((page - 1) * perPage, page * perPage), total: rows.length };
  }

  async function one(resource: string, id: Identifier): Promise<RaRecord> {
    if (resource === 'products') {
      const found = (await products()).find((p) => String(p.id) === String(id));
      if (found) return found;
    } else {
      const r = resourceOf(resource);
      if (r.one) {
        const { record } = await api.request<{ record: RaRecord | null }>(`query($id: ID!) { record: ${r.one}(id: $id) { ${r.fields} } }`, { id });
        if (record) return record;
      } else {
        // Short tables without a read-one field (resellers, staff): look the record up in the first page.
        const { data } = await connectionPage(resource, MAX_PAGE, null, null, null);
        const found = data.find((record) => String(record.id) === String(id));
        if (found) return found;
      }
    }
    throw new ApiError('Not found: it does not exist, or it is not yours to see.', 404, 'NOT_FOUND');
  }

  const provider: SlotkeeperDataProvider = {
    getList: (resource, params) => list(resource, params) as never,

    getOne: async (resource, params) => ({ data: (await one(resource, params.id)) as never }),

    async getMany(resource, params) {
      const records = await Promise.all(params.ids.map((id) => one(resource, id).catch(() => null)));
      return { data: records.filter((record): record is RaRecord => record !== null) as never };
    },

    getManyReference: (resource, params) =>
      list(resource, { ...params, filter: { ...params.filter, [params.target]: params.id } }) as never,

    async create(resource, params) {
      const data = params.data as Record<string, unknown>;
      switch (resource) {
        case 'licenses': {
          const result = await api.mutate<{ newCustomer: boolean; license: RaRecord }>(
            'issueLicense',
            'IssueLicenseInput',
            {
              email: String(data.email ?? '').trim(),
              product: String(data.product ?? ''),
              seats: Number(data.seats),
              expiresAt: dateTime(data.expiresAt),
              reseller: optionalString(data.reseller),
              entitlements: Array.isArray(data.entitlements) ? data.entitlements.map(String) : undefined,
            },
            `... on IssueLicenseSuccess { newCustomer license { ${LICENSE} } } ${FIELD_ERROR}`,
          );
          return { data: { ...result.license, newCustomer: result.newCustomer } as never };
        }
        case 'staff': {
          const result = await api.mutate<{ staff: RaRecord; password: string | null }>(
            'createStaff',
            'CreateStaffInput',
            { email: String(data.email ?? '').trim(), role: data.role, reseller: optionalString(data.reseller), password: optionalString(data.password) },
            `... on CreateStaffSuccess { password staff { ${STAFF} } } ${FIELD_ERROR}`,
          );
          return { data: { ...result.staff, generatedPassword: result.password } as never };
        }
        case 'resellers': {
          const result = await api.mutate<{ reseller: RaRecord }>(
            'createReseller',
            'CreateResellerInput',
            { name: String(data.name ?? '').trim() },
            `... on CreateResellerSuccess { reseller { ${RESOURCES.resellers!.fields} } } ${FIELD_ERROR}`,
          );
          return { data: result.reseller as never };
        }
        case 'products': {
          const result = await productErrors(
            api.mutate<{ product: RaRecord }>(
              'createProduct',
              'CreateProductInput',
              { code: String(data.code ?? '').trim(), ...productInput(data) },
              `... on CreateProductSuccess { product { ${PRODUCT} } } ${FIELD_ERROR}`,
            ),
          );
          return { data: result.product as never };
        }
        case 'webhooks': {
          const result = await api.mutate<{ endpoint: RaRecord; secret: string }>(
            'createWebhookEndpoint',
            'CreateWebhookEndpointInput',
            { url: String(data.url ?? '').trim(), events: (data.events as string[] | undefined) ?? [], reseller: optionalString(data.reseller) },
            `... on CreateWebhookEndpointSuccess { secret endpoint { ${WEBHOOK} } } ${FIELD_ERROR}`,
          );
          return { data: { ...result.endpoint, secret: result.secret } as never };
        }
        case 'apiTokens': {
          const result = await api.mutate<{ apiToken: RaRecord; token: string }>(
            'createApiToken',
            'CreateApiTokenInput',
            { name: String(data.name ?? '').trim(), role: data.role ?? 'RESELLER_ADMIN', reseller: optionalString(data.reseller) },
            `... on CreateApiTokenSuccess { token apiToken { ${API_TOKEN} } }`,
          );
          return { data: { ...result.apiToken, token: result.token } as never };
        }
      }
      throw new ApiError(`${resource} cannot be created here.`, 405);
    },

    async update(resource, params) {
      const data = params.data as Record<string, unknown>;
      const before = (params.previousData ?? {}) as Record<string, unknown>;
      const id = params.id;
      if (resource === 'licenses') {
        // Every changed part in one mutation, so an edit applies whole or not at all.
        const input: Record<string, unknown> = { licenseId: id };
        if (data.status !== undefined && data.status !== before.status) {
          input.action = { ACTIVE: 'RESUME', SUSPENDED: 'SUSPEND', REVOKED: 'REVOKE' }[String(data.status)];
          if (!input.action) throw new ApiError(`Unknown status ${String(data.status)}.`, 400, 'INVALID_INPUT');
        }
        if (data.seats !== undefined && Number(data.seats) !== Number(before.seats)) {
          input.seats = Number(data.seats);
          input.releaseActivationIds = (data.releaseActivationIds as Identifier[] | undefined)?.map(String) ?? [];
        }
        if (data.expiresAt !== undefined && data.expiresAt !== before.expiresAt) input.expiresAt = dateTime(data.expiresAt);
        if (Array.isArray(data.entitlements)) input.entitlements = data.entitlements.map(String);
        if (Object.keys(input).length === 1) return { data: (await one(resource, id)) as never };
        const { license } = await api.mutate<{ license: RaRecord }>(
          'updateLicense',
          'UpdateLicenseInput',
          input,
          `... on UpdateLicenseSuccess { license { ${LICENSE} } } ${FIELD_ERROR}`,
        );
        return { data: license as never };
      }
      if (resource === 'products') {
        const input = productInput(data, before);
        if (Object.keys(input).length === 0) return { data: (await one(resource, id)) as never };
        const { product } = await productErrors(
          api.mutate<{ product: RaRecord }>(
            'updateProduct',
            'UpdateProductInput',
            { code: before.code, ...input },
            `... on UpdateProductSuccess { product { ${PRODUCT} } } ${FIELD_ERROR}`,
          ),
        );
        return { data: product as never };
      }
      const edit = TEXT_EDITS[resource];
      if (edit) {
        if (data[edit.field] === before[edit.field]) return { data: (await one(resource, id)) as never };
        const type = edit.mutation[0]!.toUpperCase() + edit.mutation.slice(1);
        const result = await api.mutate<Record<string, RaRecord>>(
          edit.mutation,
          `${type}Input`,
          { [edit.id]: id, [edit.field]: String(data[edit.field] ?? '').trim() },
          `... on ${type}Success { ${edit.result} { ${resourceOf(resource).fields} } } ${FIELD_ERROR}`,
        );
        return { data: result[edit.result] as never };
      }
      if (resource === 'staff' && data.disabled === true && !before.disabledAt) {
        const { staff } = await api.mutate<{ staff: RaRecord }>('disableStaff', 'DisableStaffInput', { staffId: id }, `... on DisableStaffSuccess { staff { ${STAFF} } }`);
        return { data: staff as never };
      }
      if (resource === 'webhooks') {
        const { endpoint } = await api.mutate<{ endpoint: RaRecord }>(
          'updateWebhookEndpoint',
          'UpdateWebhookEndpointInput',
          {
            id,
            url: data.url !== before.url ? optionalString(data.url) : undefined,
            events: data.events !== undefined && data.events !== before.events ? data.events : undefined,
            enabled: data.enabled !== undefined && data.enabled !== before.enabled ? data.enabled : undefined,
          },
          `... on WebhookEndpointSuccess { endpoint { ${WEBHOOK} } } ${FIELD_ERROR}`,
        );
        return { data: endpoint as never };
      }
      throw new ApiError(`This change to ${resource} is not possible here.`, 405);
    },

    async updateMany(resource, params) {
      for (const id of params.ids) await provider.update(resource, { id, data: params.data, previousData: { id } });
      return { data: params.ids };
    },

    async delete(resource, params) {
      const id = params.id;
      if (resource === 'activations') {
        const note = (params.meta as { note?: string } | undefined)?.note;
        const { license } = await api.mutate<{ license: RaRecord }>(
          'adminReleaseActivation',
          'AdminReleaseActivationInput',
          { activationId: id, note: optionalString(note) },
          '... on AdminReleaseActivationSuccess { license { id seats seatsUsed } }',
        );
        return { data: { ...(params.previousData ?? { id }), license } as never };
      }
      if (resource === 'staff') {
        const { staff } = await api.mutate<{ staff: RaRecord }>('disableStaff', 'DisableStaffInput', { staffId: id }, `... on DisableStaffSuccess { staff { ${STAFF} } }`);
        return { data: staff as never };
      }
      if (resource === 'webhooks') {
        await api.mutate('deleteWebhookEndpoint', 'DeleteWebhookEndpointInput', { id }, '... on DeleteWebhookEndpointSuccess { id }');
        return { data: (params.previousData ?? { id }) as never };
      }
      if (resource === 'apiTokens') {
        // Revoked, not removed: the list keeps it, with when it was revoked.
        const { apiToken } = await api.mutate<{ apiToken: RaRecord }>('revokeApiToken', 'RevokeApiTokenInput', { id }, `... on RevokeApiTokenSuccess { apiToken { ${API_TOKEN} } }`);
        return { data: apiToken as never };
      }
      throw new ApiError(`${resource} cannot be deleted.`, 405);
    },

    async deleteMany(resource, params) {
      for (const id of params.ids) await provider.delete(resource, { id });
      return { data: params.ids };
    },

    async seatUsage(days) {
      const { seatUsage } = await api.request<{ seatUsage: SeatUsage }>(
        `query($days: Int) { seatUsage(days: $days) {
          byProduct { key label licenses seatsSold seatsUsed seatsFree }
          byReseller { key label licenses seatsSold seatsUsed seatsFree }
          history { day seatsUsed denied } } }`,
        { days },
      );
      return seatUsage;
    },

    mergeResellers: (sourceId, targetId) =>
      api.mutate('mergeResellers', 'MergeResellersInput', { sourceId, targetId }, `... on MergeResellersSuccess { movedLicenses movedStaff } ${FIELD_ERROR}`),

    async seatActivity(days) {
      const { seatUsage } = await api.request<{ seatUsage: SeatActivity }>(
        `query($days: Int) { seatUsage(days: $days) {
          history { day activations denied }
          resellerHistory { key label history { day seatsUsed activations denied } } } }`,
        { days },
      );
      return seatUsage;
    },

    async mailDelivery() {
      return (await api.request<{ mailDelivery: MailDelivery }>('query { mailDelivery { configured held } }')).mailDelivery;
    },

    openMailMessage: (id) =>
      api.mutate<OpenedMail>('openMailMessage', 'OpenMailMessageInput', { id }, '... on OpenMailMessageSuccess { from subject text mail { id to status } }'),

    async resendCredentials(customerId) {
      await api.mutate('resendCredentials', 'ResendCredentialsInput', { customerId }, '... on ResendCredentialsSuccess { ok }');
    },

    async rotateWebhookSecret(endpointId) {
      const { secret } = await api.mutate<{ secret: string }>('rotateWebhookSecret', 'RotateWebhookSecretInput', { id: endpointId }, '... on RotateWebhookSecretSuccess { secret }');
      return secret;
    },

    async resendWebhookDelivery(deliveryId) {
      await api.mutate('resendWebhookDelivery', 'ResendWebhookDeliveryInput', { deliveryId }, '... on ResendWebhookDeliverySuccess { delivery { id } }');
    },

    async sendPasswordReset(customerId) {
      await api.mutate('sendPasswordReset', 'SendPasswordResetInput', { customerId }, '... on SendPasswordResetSuccess { ok }');
    },

    async clearLoginLockout(customerId) {
      await api.mutate('clearLoginLockout', 'ClearLoginLockoutInput', { customerId }, '... on ClearLoginLockoutSuccess { customer { id } }');
    },

    async changeStaffPassword(input) {
      await api.mutate('changeStaffPassword', 'ChangeStaffPasswordInput', input, '... on ChangeStaffPasswordSuccess { ok }');
    },
  };
  return provider;
}
