import { TableBody, TableCell, TableHead, TableRow, useTheme } from '@mui/material';
import { useTranslate } from 'react-admin';
import { ACTIVITY_DAYS, total, useSeatActivity } from './activity.ts';
import { TableCard } from './TableCard.tsx';

function Sparkline({ values, label }: { values: number[]; label: string }) {
  const theme = useTheme();
  const width = 120;
  const height = 28;
  const max = Math.max(1, ...values);
  const x = (i: number) => (values.length === 1 ? 0 : (i / (values.length - 1)) * width);
  const points = values.map((v, i) => `${x(i).toFixed(1)},${(height - 2 - (v / max) * (height - 4)).toFixed(1)}`).join(' ');
  return (
    <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label}>
      <polyline points={points} fill="none" stroke={theme.palette.primary.main} strokeWidth={2} />
    </svg>
  );
}

const signed = (n: number) => (n > 0 ? `+${n}` : n < 0 ? `−${-n}` : '0');

/** The vendor's view of each reseller over the last 30 days: seats in use then and now, machines activated, activations refused. */
export function ResellerTrend() {
  const translate = useTranslate();
  const { data } = useSeatActivity();
  const series = data?.resellerHistory ?? [];
  const t = (key: string) => translate(`slotkeeper.home.${key}`);
  const title = translate('slotkeeper.home.trend', { days: ACTIVITY_DAYS });
  return (
    <TableCard title={title} empty={series.length === 0 ? t('no_activity') : null} testId="reseller-trend">
              <TableHead>
                <TableRow>
                  <TableCell>{t('reseller')}</TableCell>
                  <TableCell align="right">{t('trend_now')}</TableCell>
                  <TableCell align="right">{t('trend_change')}</TableCell>
                  <TableCell>{t('trend_line')}</TableCell>
                  <TableCell align="right">{t('activated')}</TableCell>
                  <TableCell align="right">{t('refused_short')}</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {series.map((s) => {
                  const used = s.history.map((p) => p.seatsUsed);
                  const from = used[0] ?? 0;
                  const to = used.at(-1) ?? 0;
                  return (
                    <TableRow key={s.key}>
                      <TableCell>{s.label}</TableCell>
                      <TableCell align="right">{to}</TableCell>
                      <TableCell align="right">{signed(to - from)}</TableCell>
                      <TableCell>
                        <Sparkline values={used} label={translate('slotkeeper.home.trend_line_label', { reseller: s.label, from, to })} />
                      </TableCell>
                      <TableCell align="right">{total(s.history, 'activations')}</TableCell>
                      <TableCell align="right">{total(s.history, 'denied')}</TableCell>
                    </TableRow>
                  );
                })}
              </TableBody>
    </TableCard>
  );
}
