import WebhookIcon from '@mui/icons-material/Webhook';
import { lazyPages } from '../common/lazyPages.ts';

export default {
  ...lazyPages({ list: () => import('./WebhookList.tsx'), create: () => import('./WebhookCreate.tsx'), show: () => import('./WebhookShow.tsx') }),
  icon: WebhookIcon,
  recordRepresentation: 'url',
};
