import { Box, Card, CardContent, Table, TableBody, TableCell, TableHead, TableRow, Typography } from '@mui/material';
import { useQuery } from '@tanstack/react-query';
import { Loading, Title, useDataProvider, usePermissions, useTranslate } from 'react-admin';
import { SeatsBar } from '../common/SeatsBar.tsx';
import type { SeatUsageRow, SlotkeeperDataProvider } from '../dataProvider.ts';
import { ActivationChart, ActivityTotals } from './ActivityFigures.tsx';
import { ExpiringSoon } from './ExpiringSoon.tsx';
import { Figure } from './Figure.tsx';
import { LiveFeed } from './LiveFeed.tsx';
import { ResellerTrend } from './ResellerTrend.tsx';
import { SeatChart } from './SeatChart.tsx';
import { TableCard } from './TableCard.tsx';

const DAYS = 30;

function UsageTable({ title, by, rows }: { title: string; by: string; rows: SeatUsageRow[] }) {
  const translate = useTranslate();
  return (
    <TableCard title={title} empty={rows.length === 0 ? translate('slotkeeper.home.no_license') : null}>
              <TableHead>
                <TableRow>
                  <TableCell>{by}</TableCell>
                  <TableCell align="right">{translate('slotkeeper.home.licenses')}</TableCell>
                  <TableCell>{translate('slotkeeper.home.seats_used')}</TableCell>
                  <TableCell align="right">{translate('slotkeeper.home.free')}</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {rows.map((row) => (
                  <TableRow key={row.key}>
                    <TableCell>{row.label}</TableCell>
                    <TableCell align="right">{row.licenses}</TableCell>
                    <TableCell>
                      <SeatsBar used={row.seatsUsed} total={row.seatsSold} />
                    </TableCell>
                    <TableCell align="right">{row.seatsFree}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
    </TableCard>
  );
}

/** Home: seats sold / used / free, renewals due, activations and refusals, usage over the last 30 days, live slot activity. */
export default function Dashboard() {
  const translate = useTranslate();
  const t = (key: string) => translate(`slotkeeper.home.${key}`, { days: DAYS });
  const dataProvider = useDataProvider<SlotkeeperDataProvider>();
  const { permissions } = usePermissions<string>();
  const vendor = permissions === 'VENDOR_ADMIN';
  const { data, isPending, error } = useQuery({ queryKey: ['seatUsage', DAYS], queryFn: () => dataProvider.seatUsage(DAYS) });
  const sum = (key: 'seatsSold' | 'seatsUsed' | 'seatsFree') => (data?.byProduct ?? []).reduce((n, row) => n + row[key], 0);
  return (
    <Box sx={{ mt: 2, display: 'flex', flexDirection: 'column', gap: 2 }}>
      <Title title="Slotkeeper" />
      {isPending ? (
        <Loading />
      ) : error ? (
        <Typography color="error">{(error as Error).message}</Typography>
      ) : (
        <>
          <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap' }}>
            <Figure label={t('seats_sold')} value={sum('seatsSold')} testId="seats-sold" />
            <Figure label={t('seats_used')} value={sum('seatsUsed')} testId="seats-used" />
            <Figure label={t('seats_free')} value={sum('seatsFree')} testId="seats-free" />
            <ExpiringSoon />
            <ActivityTotals />
          </Box>
          <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', lg: '2fr 1fr' }, gap: 2 }}>
            <Card>
              <CardContent>
                <Typography variant="h6" component="h2" gutterBottom>
                  {t('seat_history')}
                </Typography>
                <SeatChart history={data!.history} />
              </CardContent>
            </Card>
            <Card>
              <CardContent>
                <LiveFeed />
              </CardContent>
            </Card>
          </Box>
          <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', lg: '1fr 1fr' }, gap: 2 }}>
            <UsageTable title={t('by_product')} by={t('product')} rows={data!.byProduct} />
            {vendor ? <UsageTable title={t('by_reseller')} by={t('reseller')} rows={data!.byReseller} /> : <ActivationChart />}
          </Box>
          {vendor && (
            <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', lg: '1fr 1fr' }, gap: 2 }}>
              <ActivationChart />
              <ResellerTrend />
            </Box>
          )}
        </>
      )}
    </Box>
  );
}
