import { Chip } from '@mui/material';
import { useRecordContext } from 'react-admin';

const COLORS: Record<string, 'success' | 'warning' | 'error' | 'default' | 'info'> = {
  ACTIVE: 'success',
  SUSPENDED: 'warning',
  REVOKED: 'error',
  SENT: 'success',
  PENDING: 'info',
  SENDING: 'info',
  HELD: 'default',
  FAILED: 'error',
};

/** `SUSPENDED` → `Suspended`: the case of the status filters' labels, so chips and labels agree. */
export const statusName = (status: string) => status.charAt(0) + status.slice(1).toLowerCase();

/** A status as a coloured chip. */
export function StatusField({ source = 'status' }: { source?: string; label?: string; sortable?: boolean; sortBy?: string }) {
  const record = useRecordContext();
  const value = record?.[source] as string | undefined;
  return value ? <Chip size="small" label={statusName(value)} color={COLORS[value] ?? 'default'} variant="outlined" /> : null;
}

export const LICENSE_STATUSES = [
  { id: 'ACTIVE', name: 'Active' },
  { id: 'SUSPENDED', name: 'Suspended' },
  { id: 'REVOKED', name: 'Revoked' },
];
