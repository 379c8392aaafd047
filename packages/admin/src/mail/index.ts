import MailIcon from '@mui/icons-material/Mail';
import { lazy } from 'react';

export default {
  list: lazy(() => import('./MailList.tsx')),
  icon: MailIcon,
  recordRepresentation: 'to',
};
