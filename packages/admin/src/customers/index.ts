import CustomerIcon from '@mui/icons-material/People';
import { lazy } from 'react';
import type { Customer } from '../types.ts';

export default {
  list: lazy(() => import('./CustomerList.tsx')),
  show: lazy(() => import('./CustomerShow.tsx')),
  icon: CustomerIcon,
  recordRepresentation: (record: Customer) => record.email,
};
