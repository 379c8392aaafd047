import TrialIcon from '@mui/icons-material/HourglassTop';
import { lazyPages } from '../common/lazyPages.ts';

export default {
  ...lazyPages({ list: () => import('./TrialList.tsx') }),
  icon: TrialIcon,
  recordRepresentation: 'machineName',
};
