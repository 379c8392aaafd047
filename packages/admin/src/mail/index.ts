import MailIcon from '@mui/icons-material/Mail';
import { lazyPages } from '../common/lazyPages.ts';

export default {
  ...lazyPages({ list: () => import('./MailList.tsx') }),
  icon: MailIcon,
  recordRepresentation: 'to',
};
