import { Box, Card, CardContent, Typography, useTheme } from '@mui/material';
import { useTranslate } from 'react-admin';
import { ACTIVITY_DAYS, total, useSeatActivity } from './activity.ts';
import { Figure } from './Figure.tsx';
import { CHART_PAD, GridLines } from './chartGrid.tsx';

/** Machines activated and activations refused (no free seat) over the last 30 days: sales leads for a reseller. */
export function ActivityTotals() {
  const translate = useTranslate();
  const { data } = useSeatActivity();
  const denied = data ? total(data.history, 'denied') : null;
  return (
    <>
      <Figure
        label={translate('slotkeeper.home.activations', { days: ACTIVITY_DAYS })}
        value={data ? total(data.history, 'activations') : null}
        testId="activations-30-days"
      />
      <Figure
        label={translate('slotkeeper.home.refused', { days: ACTIVITY_DAYS })}
        value={denied}
        hint={translate('slotkeeper.home.refused_hint')}
        alert={!!denied}
        testId="refused-30-days"
      />
    </>
  );
}

/** Activations per day as paired SVG bars (activated, refused), like SeatChart without a chart library. */
export function ActivationChart() {
  const translate = useTranslate();
  const theme = useTheme();
  const { data } = useSeatActivity();
  const history = data?.history ?? [];
  const width = 640;
  const height = 160;
  const pad = CHART_PAD;
  const max = Math.max(1, ...history.flatMap((p) => [p.activations, p.denied]));
  const slot = (width - pad.left - pad.right) / Math.max(1, history.length);
  const bar = Math.max(1, slot / 2 - 1);
  const y = (v: number) => pad.top + (1 - v / max) * (height - pad.top - pad.bottom);
  const colors = { activations: theme.palette.primary.main, denied: theme.palette.error.main };
  const summary = translate('slotkeeper.home.per_day_summary', { activations: total(history, 'activations'), denied: total(history, 'denied'), days: ACTIVITY_DAYS });
  return (
    <Card>
      <CardContent>
        <Typography variant="h6" component="h2" gutterBottom>
          {translate('slotkeeper.home.per_day', { days: ACTIVITY_DAYS })}
        </Typography>
        <Box sx={{ display: 'flex', gap: 2, mb: 1 }}>
          {(['activations', 'denied'] as const).map((figure) => (
            <Typography key={figure} variant="body2" sx={{ display: 'flex', alignItems: 'center', gap: 0.5 }}>
              <Box component="span" sx={{ width: 12, height: 12, bgcolor: colors[figure], display: 'inline-block' }} />
              {translate(figure === 'activations' ? 'slotkeeper.home.activated' : 'slotkeeper.home.refused_short')}
            </Typography>
          ))}
        </Box>
        <Box component="svg" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={summary} data-testid="activation-chart" sx={{ width: '100%', height: 'auto', display: 'block' }}>
          <GridLines ticks={[0, max]} y={y} width={width} />
          {history.map((p, i) => (
            <g key={p.day}>
              <title>{translate('slotkeeper.home.per_day_label', { day: p.day, activations: p.activations, denied: p.denied })}</title>
              {(['activations', 'denied'] as const).map((figure, k) => (
                <rect key={figure} x={pad.left + i * slot + k * (bar + 1)} y={y(p[figure])} width={bar} height={y(0) - y(p[figure])} fill={colors[figure]} />
              ))}
            </g>
          ))}
          {history.length > 0 &&
            [0, history.length - 1].map((i) => (
              <text key={i} x={pad.left + i * slot + (i ? slot : 0)} y={height - 8} textAnchor={i ? 'end' : 'start'} fontSize="11" fill={theme.palette.text.secondary}>
                {history[i]!.day}
              </text>
            ))}
        </Box>
      </CardContent>
    </Card>
  );
}
