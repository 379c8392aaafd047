import ResellerIcon from '@mui/icons-material/Storefront';
import { lazyPages } from '../common/lazyPages.ts';

export default {
  ...lazyPages({ list: () => import('./ResellerList.tsx'), create: () => import('./ResellerCreate.tsx'), edit: () => import('./ResellerEdit.tsx') }),
  icon: ResellerIcon,
  recordRepresentation: 'name',
};
