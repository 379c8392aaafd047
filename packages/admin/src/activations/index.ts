import ActivationIcon from '@mui/icons-material/Computer';
import { lazy } from 'react';
import type { Activation } from '../types.ts';

export default {
  list: lazy(() => import('./ActivationList.tsx')),
  icon: ActivationIcon,
  recordRepresentation: (record: Activation) => `${record.machineName} (${record.osUser})`,
};
