import { Card, CardActionArea, CardContent, Typography } from '@mui/material';
import { Link, useGetList, useTranslate } from 'react-admin';

const DAYS = 30;
const filter = { expiringWithinDays: DAYS };

/** Licenses to renew (revoked ones left out), opening the license list filtered to them: what a reseller calls about. */
export function ExpiringSoon() {
  const translate = useTranslate();
  const { total, isPending } = useGetList('licenses', { filter, pagination: { page: 1, perPage: 1 }, sort: { field: 'expiresAt', order: 'ASC' } });
  return (
    <Card sx={{ flex: 1, minWidth: 160 }}>
      <CardActionArea component={Link} to={`/licenses?filter=${encodeURIComponent(JSON.stringify(filter))}&sort=expiresAt&order=ASC`}>
        <CardContent>
          <Typography variant="body2" color="text.secondary">
            {translate('slotkeeper.home.expiring', { days: DAYS })}
          </Typography>
          <Typography variant="h4" component="p" data-testid="expiring-soon">
            {isPending ? '…' : (total ?? 0)}
          </Typography>
        </CardContent>
      </CardActionArea>
    </Card>
  );
}
