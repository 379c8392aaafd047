import LicenseIcon from '@mui/icons-material/VpnKey';
import { lazy } from 'react';
import type { License } from '../types.ts';

export default {
  list: lazy(() => import('./LicenseList.tsx')),
  show: lazy(() => import('./LicenseShow.tsx')),
  create: lazy(() => import('./LicenseCreate.tsx')),
  icon: LicenseIcon,
  recordRepresentation: (record: License) => `${record.product.name} × ${record.seats} — ${record.customer.email}`,
};
