import AuditIcon from '@mui/icons-material/History';
import { lazyPages } from '../common/lazyPages.ts';
import type { AuditEvent } from '../types.ts';

export default {
  ...lazyPages({ list: () => import('./AuditList.tsx') }),
  icon: AuditIcon,
  recordRepresentation: (record: AuditEvent) => `${record.action} ${record.subject}`,
};
