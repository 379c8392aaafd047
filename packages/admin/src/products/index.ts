import ProductIcon from '@mui/icons-material/Extension';
import { lazyPages } from '../common/lazyPages.ts';

export default {
  ...lazyPages({ list: () => import('./ProductList.tsx'), create: () => import('./ProductCreate.tsx'), edit: () => import('./ProductEdit.tsx') }),
  icon: ProductIcon,
  recordRepresentation: 'name',
};
