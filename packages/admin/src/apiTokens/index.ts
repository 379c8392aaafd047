import ApiIcon from '@mui/icons-material/Api';
import { lazyPages } from '../common/lazyPages.ts';

export default {
  ...lazyPages({ list: () => import('./ApiTokenList.tsx'), create: () => import('./ApiTokenCreate.tsx') }),
  icon: ApiIcon,
  recordRepresentation: 'name',
};
