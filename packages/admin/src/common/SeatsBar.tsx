import { Box, LinearProgress, Typography } from '@mui/material';
import { useRecordContext } from 'react-admin';

/** Seats used / total as a bar; full licenses show in the warning colour. */
export function SeatsBar({ used, total, wide }: { used: number; total: number; wide?: boolean }) {
  const ratio = total > 0 ? Math.min(100, (used / total) * 100) : 0;
  return (
    <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, minWidth: wide ? 240 : 120 }} title={`${used} of ${total} seats in use`}>
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
    </Box>
  );
}

/** The record's seats bar, for a Datagrid column (`sortBy="seats"`). */
export function SeatsField(_props: { label?: string; sortBy?: string; sortable?: boolean }) {
  const record = useRecordContext<{ seats: number; seatsUsed: number }>();
  return record ? <SeatsBar used={record.seatsUsed} total={record.seats} /> : null;
}
