// Records as the data provider reads them (see dataProvider.ts for the selections).

export type LicenseStatus = 'ACTIVE' | 'SUSPENDED' | 'REVOKED';

export interface License {
  id: string;
  seats: number;
  seatsUsed: number;
  status: LicenseStatus;
  startsAt: string;
  expiresAt: string;
  createdAt: string;
  customer: { id: string; email: string; reseller: { id: string; name: string } | null };
  product: { id: string; code: string; name: string };
}

export interface Activation {
  id: string;
  machineName: string;
  osUser: string;
  activatedAt: string;
  lastSeenAt: string;
  releasedAt: string | null;
  releaseReason: string | null;
  license: { id: string; seats: number; seatsUsed: number; customer: { id: string; email: string }; product: { code: string; name: string } };
}

export interface Customer {
  id: string;
  email: string;
  createdAt: string;
  passwordChangedAt: string;
  licenseCount: number;
  reseller: { id: string; name: string } | null;
}

export interface StaffUser {
  id: string;
  email: string;
  role: 'VENDOR_ADMIN' | 'RESELLER_ADMIN';
  createdAt: string;
  disabledAt: string | null;
  reseller: { id: string; name: string } | null;
  generatedPassword?: string | null;
}

export interface AuditEvent {
  id: string;
  actor: string;
  action: string;
  subject: string;
  resellerId: string | null;
  data: string | null;
  at: string;
}
