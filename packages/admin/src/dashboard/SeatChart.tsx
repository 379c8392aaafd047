import { Box, Typography, useTheme } from '@mui/material';
import { CHART_PAD, GridLines } from './chartGrid.tsx';

export interface SeatChartPoint {
  day: string;
  seatsUsed: number;
  /** Activations refused with NO_FREE_SLOT that day. */
  denied: number;
}

/** The denials of the period in words: "3, most on 2026-12-02 (2)", or "none". */
function deniedSummary(history: SeatChartPoint[]): string {
  const total = history.reduce((n, p) => n + p.denied, 0);
  if (total === 0) return 'none';
  const most = history.reduce((a, b) => (b.denied > a.denied ? b : a));
  return `${total}, most on ${most.day} (${most.denied})`;
}

/**
 * Seats in use per day (an area) and the activations denied for want of a free seat (bars beside
 * it, on the same scale), as a small SVG chart (no chart library). The legend and the chart's label
 * say the same in words, for screen readers and for whoever cannot tell the colours apart.
 */
export function SeatChart({ history }: { history: SeatChartPoint[] }) {
  const theme = useTheme();
  if (history.length === 0) return <Typography color="text.secondary">No data yet.</Typography>;
  const width = 640;
  const height = 200;
  const pad = CHART_PAD;
  const max = Math.max(1, ...history.map((p) => Math.max(p.seatsUsed, p.denied)));
  const top = max <= 4 ? max : Math.ceil(max / 4) * 4;
  const step = history.length === 1 ? 0 : (width - pad.left - pad.right) / (history.length - 1);
  const x = (i: number) => pad.left + i * step;
  const y = (v: number) => pad.top + (1 - v / top) * (height - pad.top - pad.bottom);
  const line = history.map((p, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(p.seatsUsed).toFixed(1)}`).join(' ');
  const area = `${line} L${x(history.length - 1).toFixed(1)},${y(0)} L${x(0).toFixed(1)},${y(0)} Z`;
  const ticks = [0, top / 2, top].filter((v, i, all) => Number.isInteger(v) && all.indexOf(v) === i);
  const labels = [0, Math.floor((history.length - 1) / 2), history.length - 1].filter((v, i, all) => all.indexOf(v) === i);
  const color = theme.palette.primary.main;
  // Bars in the error colour: told apart from the area by their shape, not by colour alone.
  const deniedColor = theme.palette.error.main;
  const barWidth = Math.max(2, Math.min(12, step * 0.5 || 12));
  const peak = Math.max(...history.map((p) => p.seatsUsed));
  const summary = deniedSummary(history);
  return (
    <Box>
      <Box
        component="svg"
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={`Seats in use per day, ${history[0]!.day} to ${history[history.length - 1]!.day}: at most ${peak}. Activations denied for want of a free seat: ${summary}.`}
        data-testid="seat-chart"
        sx={{ width: '100%', height: 'auto', display: 'block' }}
      >
        <GridLines ticks={ticks} y={y} width={width} />
        <path d={area} fill={color} opacity={0.15} />
        <path d={line} fill="none" stroke={color} strokeWidth={2} />
        {history.map((p, i) =>
          p.denied > 0 ? (
            <rect key={`d-${p.day}`} data-denied={p.denied} data-day={p.day} x={x(i) - barWidth / 2} y={y(p.denied)} width={barWidth} height={y(0) - y(p.denied)} fill={deniedColor} opacity={0.8}>
              <title>{`${p.day}: ${p.denied} activation(s) denied, no free seat`}</title>
            </rect>
          ) : null,
        )}
        {history.map((p, i) => (
          <circle key={p.day} cx={x(i)} cy={y(p.seatsUsed)} r={history.length > 60 ? 1.5 : 3} fill={color}>
            <title>{`${p.day}: ${p.seatsUsed} seat(s) in use`}</title>
          </circle>
        ))}
        {labels.map((i) => (
          <text key={i} x={x(i)} y={height - 8} textAnchor={i === 0 ? 'start' : i === history.length - 1 ? 'end' : 'middle'} fontSize="11" fill={theme.palette.text.secondary}>
            {history[i]!.day}
          </text>
        ))}
      </Box>
      <Box component="ul" sx={{ display: 'flex', flexWrap: 'wrap', gap: 2, listStyle: 'none', p: 0, m: 0, mt: 1 }} aria-label="Legend">
        <Box component="li" sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
          <Box aria-hidden sx={{ width: 16, height: 3, bgcolor: color }} />
          <Typography variant="body2">Seats in use (at most {peak})</Typography>
        </Box>
        <Box component="li" sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
          <Box aria-hidden sx={{ width: 8, height: 12, bgcolor: deniedColor, opacity: 0.8 }} />
          <Typography variant="body2" data-testid="chart-denied">
            Denied, no free seat: {summary}
          </Typography>
        </Box>
      </Box>
    </Box>
  );
}
