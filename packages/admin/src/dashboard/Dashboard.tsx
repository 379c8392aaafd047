import { Box, Card, CardContent, Table, TableBody, TableCell, TableHead, TableRow, Typography } from '@mui/material';
import { useQuery } from '@tanstack/react-query';
import { Loading, Title, useDataProvider, usePermissions } from 'react-admin';
import { SeatsBar } from '../common/SeatsBar.tsx';
import type { SeatUsageRow, SlotkeeperDataProvider } from '../dataProvider.ts';
import { LiveFeed } from './LiveFeed.tsx';
import { SeatChart } from './SeatChart.tsx';

const DAYS = 30;

function Total({ label, value, testId }: { label: string; value: number; testId: string }) {
  return (
    <Card sx={{ flex: 1, minWidth: 160 }}>
      <CardContent>
        <Typography variant="body2" color="text.secondary">
          {label}
        </Typography>
        <Typography variant="h4" component="p" data-testid={testId}>
          {value}
        </Typography>
      </CardContent>
    </Card>
  );
}

function UsageTable({ title, by, rows }: { title: string; by: string; rows: SeatUsageRow[] }) {
  return (
    <Card>
      <CardContent>
        <Typography variant="h6" component="h2" gutterBottom>
          {title}
        </Typography>
        {rows.length === 0 ? (
          <Typography color="text.secondary">No active license.</Typography>
        ) : (
          <Table size="small">
            <TableHead>
              <TableRow>
                <TableCell>{by}</TableCell>
                <TableCell align="right">Licenses</TableCell>
                <TableCell>Seats used</TableCell>
                <TableCell align="right">Free</TableCell>
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
          </Table>
        )}
      </CardContent>
    </Card>
  );
}

/** Home: seats sold / used / free, usage over the last 30 days, live slot activity. */
export default function Dashboard() {
  const dataProvider = useDataProvider<SlotkeeperDataProvider>();
  const { permissions } = usePermissions<string>();
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
            <Total label="Seats sold" value={sum('seatsSold')} testId="seats-sold" />
            <Total label="Seats in use" value={sum('seatsUsed')} testId="seats-used" />
            <Total label="Seats free" value={sum('seatsFree')} testId="seats-free" />
          </Box>
          <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', lg: '2fr 1fr' }, gap: 2 }}>
            <Card>
              <CardContent>
                <Typography variant="h6" component="h2" gutterBottom>
                  Seats in use, last {DAYS} days
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
            <UsageTable title="By product" by="Product" rows={data!.byProduct} />
            {permissions === 'VENDOR_ADMIN' && <UsageTable title="By reseller" by="Reseller" rows={data!.byReseller} />}
          </Box>
        </>
      )}
    </Box>
  );
}
