import { Box, Typography, useTheme } from '@mui/material';

/** Seats in use per day, as a small SVG area chart (no chart library). */
export function SeatChart({ history }: { history: { day: string; seatsUsed: number }[] }) {
  const theme = useTheme();
  if (history.length === 0) return <Typography color="text.secondary">No data yet.</Typography>;
  const width = 640;
  const height = 200;
  const pad = { left: 36, right: 12, top: 12, bottom: 28 };
  const max = Math.max(1, ...history.map((p) => p.seatsUsed));
  const top = max <= 4 ? max : Math.ceil(max / 4) * 4;
  const x = (i: number) => pad.left + (history.length === 1 ? 0 : (i / (history.length - 1)) * (width - pad.left - pad.right));
  const y = (v: number) => pad.top + (1 - v / top) * (height - pad.top - pad.bottom);
  const line = history.map((p, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(p.seatsUsed).toFixed(1)}`).join(' ');
  const area = `${line} L${x(history.length - 1).toFixed(1)},${y(0)} L${x(0).toFixed(1)},${y(0)} Z`;
  const ticks = [0, top / 2, top].filter((v, i, all) => Number.isInteger(v) && all.indexOf(v) === i);
  const labels = [0, Math.floor((history.length - 1) / 2), history.length - 1].filter((v, i, all) => all.indexOf(v) === i);
  const color = theme.palette.primary.main;
  return (
    <Box component="svg" viewBox={`0 0 ${width} ${height}`} role="img" aria-label="Seats in use per day" sx={{ width: '100%', height: 'auto', display: 'block' }}>
      {ticks.map((v) => (
        <g key={v}>
          <line x1={pad.left} x2={width - pad.right} y1={y(v)} y2={y(v)} stroke={theme.palette.divider} />
          <text x={pad.left - 6} y={y(v) + 4} textAnchor="end" fontSize="11" fill={theme.palette.text.secondary}>
            {v}
          </text>
        </g>
      ))}
      <path d={area} fill={color} opacity={0.15} />
      <path d={line} fill="none" stroke={color} strokeWidth={2} />
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
  );
}
