import { Chip } from '@mui/material';
import { useRecordContext, useTranslate } from 'react-admin';

const COLORS: Record<string, 'success' | 'warning' | 'error' | 'default' | 'info'> = {
  ACTIVE: 'success',
  SUSPENDED: 'warning',
  REVOKED: 'error',
  SENT: 'success',
  PENDING: 'info',
  SENDING: 'info',
  HELD: 'default',
  FAILED: 'error',
  DELIVERED: 'success',
};

/** `SUSPENDED` → `Suspended`: the case of the status filters' labels, so chips and labels agree. */
export const statusName = (status: string) => status.charAt(0) + status.slice(1).toLowerCase();

/** A status as a coloured chip. */
export function StatusField({ source = 'status' }: { source?: string; label?: string; sortable?: boolean; sortBy?: string }) {
  const record = useRecordContext();
  const translate = useTranslate();
  const value = record?.[source] as string | undefined;
  return value ? <Chip size="small" label={translate(`slotkeeper.status.${value}`, { _: statusName(value) })} color={COLORS[value] ?? 'default'} variant="outlined" /> : null;
}

/** Named by translation keys (the select translates them); English: `Active`, as the chips. */
export const LICENSE_STATUSES = ['ACTIVE', 'SUSPENDED', 'REVOKED'].map((id) => ({ id, name: `slotkeeper.status.${id}` }));
