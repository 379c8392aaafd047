import LicenseIcon from '@mui/icons-material/VpnKey';
import { lazyPages } from '../common/lazyPages.ts';
import type { License } from '../types.ts';

export default {
  ...lazyPages({ list: () => import('./LicenseList.tsx'), show: () => import('./LicenseShow.tsx'), create: () => import('./LicenseCreate.tsx') }),
  icon: LicenseIcon,
  recordRepresentation: (record: License) => `${record.product.name} × ${record.seats} — ${record.customer.email}`,
};
