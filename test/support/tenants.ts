import { randomBytes } from 'node:crypto';
import type { TestApp } from './app.ts';
import { ACTIVATE, LOG_IN, machine } from './operations.ts';
import { PASSWORD, type SeededLicense } from './seed.ts';

const STAFF_LOG_IN = `mutation($email: String!, $password: String!) {
  staffLogIn(input: { email: $email, password: $password }) { __typename ... on StaffLogInSuccess { token } ... on Error { code message } }
}`;

export const STAFF_PASSWORD = 'Staff-Secret-2026!';

export interface Tenants {
  resellerA: { id: string; name: string };
  resellerB: { id: string; name: string };
  tokens: { vendor: string; resellerA: string; resellerB: string; customer: string };
  staffIds: { vendor: string; resellerA: string; resellerB: string };
  /** The license of the customer whose session is `tokens.customer`. */
  customerLicenseId: string;
  /** A fresh license sold by reseller A (to a new customer), with one live activation. */
  licenseOfA(): Promise<SeededLicense & { activationId: string; machineToken: string }>;
}

/** A vendor admin, two resellers with an admin each, and a customer of reseller A with a session. */
export async function setUpTenants(t: TestApp): Promise<Tenants> {
  const tag = randomBytes(4).toString('hex');
  const staff = async (role: 'VENDOR_ADMIN' | 'RESELLER_ADMIN', reseller?: string) => {
    const email = `${role.toLowerCase()}-${tag}-${randomBytes(3).toString('hex')}@example.com`;
    const { staff: created } = await t.app.services.staff.create('operator', { email, role, reseller, password: STAFF_PASSWORD });
    const { data } = await t.gql(STAFF_LOG_IN, { email, password: STAFF_PASSWORD });
    return { id: created.id, resellerId: created.resellerId, token: data.staffLogIn.token as string };
  };
  const vendor = await staff('VENDOR_ADMIN');
  const a = await staff('RESELLER_ADMIN', `Reseller A ${tag}`);
  const b = await staff('RESELLER_ADMIN', `Reseller B ${tag}`);
  const db = t.app.database.prisma;

  const licenseOfA = async () => {
    const license = await t.seed.license({ seats: 3 });
    await db.license.update({ where: { id: license.id }, data: { resellerId: a.resellerId } });
    const { data } = await t.gql(ACTIVATE, { input: machine(license, `pc-${randomBytes(3).toString('hex')}`) });
    return { ...license, activationId: data.activateMachine.activation.id as string, machineToken: data.activateMachine.token as string };
  };
  const customerLicense = await licenseOfA();
  const { data } = await t.gql(LOG_IN, { email: customerLicense.email, password: PASSWORD });
  return {
    resellerA: { id: a.resellerId!, name: `Reseller A ${tag}` },
    resellerB: { id: b.resellerId!, name: `Reseller B ${tag}` },
    tokens: { vendor: vendor.token, resellerA: a.token, resellerB: b.token, customer: data.logIn.sessionToken },
    staffIds: { vendor: vendor.id, resellerA: a.id, resellerB: b.id },
    customerLicenseId: customerLicense.id,
    licenseOfA,
  };
}
