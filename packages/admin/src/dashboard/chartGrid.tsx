import { useTheme } from '@mui/material';

/** The home charts' plot area: its padding inside the SVG's viewBox (room for the value and day labels). */
export const CHART_PAD = { left: 36, right: 12, top: 12, bottom: 28 };

/** Horizontal grid lines at `ticks`, each labelled with its value left of the plot area. */
export function GridLines({ ticks, y, width }: { ticks: number[]; y: (v: number) => number; width: number }) {
  const theme = useTheme();
  return ticks.map((v) => (
    <g key={v}>
      <line x1={CHART_PAD.left} x2={width - CHART_PAD.right} y1={y(v)} y2={y(v)} stroke={theme.palette.divider} />
      <text x={CHART_PAD.left - 6} y={y(v) + 4} textAnchor="end" fontSize="11" fill={theme.palette.text.secondary}>
        {v}
      </text>
    </g>
  ));
}
