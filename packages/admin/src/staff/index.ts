import StaffIcon from '@mui/icons-material/Badge';
import { lazy } from 'react';
import type { StaffUser } from '../types.ts';

export default {
  list: lazy(() => import('./StaffList.tsx')),
  create: lazy(() => import('./StaffCreate.tsx')),
  icon: StaffIcon,
  recordRepresentation: (record: StaffUser) => record.email,
};
