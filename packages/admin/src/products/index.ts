import ProductIcon from '@mui/icons-material/Extension';
import { lazy } from 'react';

export default {
  list: lazy(() => import('./ProductList.tsx')),
  create: lazy(() => import('./ProductCreate.tsx')),
  icon: ProductIcon,
  recordRepresentation: 'name',
};
