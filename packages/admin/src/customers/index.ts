import CustomerIcon from '@mui/icons-material/People';
import { lazyPages } from '../common/lazyPages.ts';
import type { Customer } from '../types.ts';

export default {
  ...lazyPages({ list: () => import('./CustomerList.tsx'), show: () => import('./CustomerShow.tsx'), edit: () => import('./CustomerEdit.tsx') }),
  icon: CustomerIcon,
  recordRepresentation: (record: Customer) => record.email,
};
