import ResellerIcon from '@mui/icons-material/Storefront';
import { lazy } from 'react';

export default {
  list: lazy(() => import('./ResellerList.tsx')),
  create: lazy(() => import('./ResellerCreate.tsx')),
  icon: ResellerIcon,
  recordRepresentation: 'name',
};
