import StaffIcon from '@mui/icons-material/Badge';
import { lazyPages } from '../common/lazyPages.ts';
import type { StaffUser } from '../types.ts';

export default {
  ...lazyPages({ list: () => import('./StaffList.tsx'), create: () => import('./StaffCreate.tsx') }),
  icon: StaffIcon,
  recordRepresentation: (record: StaffUser) => record.email,
};
