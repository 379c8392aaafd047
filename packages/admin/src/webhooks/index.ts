import WebhookIcon from '@mui/icons-material/Webhook';
import { lazy } from 'react';

export default {
  list: lazy(() => import('./WebhookList.tsx')),
  create: lazy(() => import('./WebhookCreate.tsx')),
  show: lazy(() => import('./WebhookShow.tsx')),
  icon: WebhookIcon,
  recordRepresentation: 'url',
};
