import { Alert } from '@mui/material';
import { Link, usePermissions, useTranslate } from 'react-admin';
import { useMailDelivery } from './delivery.ts';

/** Above every page while the server has no SMTP server: nothing the dashboard "sends" leaves it. */
export function MailBanner() {
  const delivery = useMailDelivery();
  const { permissions } = usePermissions<string>();
  const translate = useTranslate();
  const t = (key: string, options?: object) => translate(`slotkeeper.mail_banner.${key}`, options);
  if (!delivery || delivery.configured) return null;
  return (
    <Alert severity="warning" sx={{ mt: 1 }} data-testid="mail-banner">
      {t('off_before')}
      <code>SMTP_URL</code>
      {t('off_after')}{' '}
      {permissions === 'VENDOR_ADMIN' ? (
        <>
          {t('held_before', { count: delivery.held ?? 0 })}
          <Link to="/mail?filter=%7B%22status%22%3A%22HELD%22%7D">{t('outbox')}</Link>
          {t('held_after')}
          <code>SMTP_URL</code>.
        </>
      ) : (
        t('reseller')
      )}
    </Alert>
  );
}
