import ActivationIcon from '@mui/icons-material/Computer';
import { lazyPages } from '../common/lazyPages.ts';
import type { Activation } from '../types.ts';

export default {
  ...lazyPages({ list: () => import('./ActivationList.tsx') }),
  icon: ActivationIcon,
  recordRepresentation: (record: Activation) => `${record.machineName} (${record.osUser})`,
};
