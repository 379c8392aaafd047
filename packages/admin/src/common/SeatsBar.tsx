import WarningIcon from '@mui/icons-material/WarningAmber';
import { Box, LinearProgress, Typography, darken, lighten } from '@mui/material';
import { useRecordContext } from 'react-admin';

/**
 * Seats used / total as a bar; full licenses show in the warning colour, and a license running over
 * its seats (the product's overage) says so in words too ("+1 over"), not by colour alone.
 */
export function SeatsBar({ used, total, wide }: { used: number; total: number; wide?: boolean }) {
  const ratio = total > 0 ? Math.min(100, (used / total) * 100) : 0;
  const over = Math.max(0, used - total);
  return (
    <Box
      sx={{ display: 'flex', alignItems: 'center', gap: 1, minWidth: wide ? 240 : 120 }}
      title={over > 0 ? `${used} machines on ${total} seats: ${over} over the seats (overage)` : `${used} of ${total} seats in use`}
    >
      <LinearProgress
        variant="determinate"
        value={ratio}
        color={used >= total ? 'warning' : 'primary'}
        sx={{ flex: 1, height: wide ? 10 : 8, borderRadius: 4 }}
        aria-label="Seats used"
      />
      <Typography variant="body2" sx={{ whiteSpace: 'nowrap', fontVariantNumeric: 'tabular-nums' }} data-testid="seats">
        {used} / {total}
      </Typography>
      {over > 0 && <OverSeats over={over} />}
    </Box>
  );
}

/** "+1 over", in a warning colour dark (or light) enough to read as text. */
function OverSeats({ over }: { over: number }) {
  return (
    <Typography
      variant="body2"
      component="span"
      data-testid="over-seats"
      sx={(theme) => ({
        display: 'inline-flex',
        alignItems: 'center',
        gap: 0.5,
        whiteSpace: 'nowrap',
        fontWeight: 500,
        color: theme.palette.mode === 'dark' ? lighten(theme.palette.warning.main, 0.4) : darken(theme.palette.warning.main, 0.45),
      })}
    >
      <WarningIcon fontSize="inherit" aria-hidden />
      +{over} over
    </Typography>
  );
}

/** The record's seats bar, for a Datagrid column (`sortBy="seatsUsed"`: the API sorts by seats in use). */
export function SeatsField(_props: { label?: string; sortBy?: string; sortable?: boolean }) {
  const record = useRecordContext<{ seats: number; seatsUsed: number }>();
  return record ? <SeatsBar used={record.seatsUsed} total={record.seats} /> : null;
}
