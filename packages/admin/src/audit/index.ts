import AuditIcon from '@mui/icons-material/History';
import { lazy } from 'react';
import type { AuditEvent } from '../types.ts';

export default {
  list: lazy(() => import('./AuditList.tsx')),
  icon: AuditIcon,
  recordRepresentation: (record: AuditEvent) => `${record.action} ${record.subject}`,
};
