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
  /** The reseller who sold this license (a customer may buy from several); null for a direct sale. */
  reseller: { id: string; name: string } | null;
  customer: { id: string; email: string };
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
  /** The licenses the viewer's tenant sold this customer. */
  licenseCount: number;
  /** Failed log-ins of this login; while locked, every password check of it is refused. */
  loginLockout: { locked: boolean; lockedUntil: string | null; failedAttempts: number } | null;
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
