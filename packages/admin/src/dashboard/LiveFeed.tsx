import { Box, Chip, List, ListItem, ListItemText, Typography } from '@mui/material';
import { Link } from 'react-admin';
import { type LiveStatus, useLive } from '../live.tsx';
import type { SlotEvent } from '../slot-event.ts';

const VERB: Record<SlotEvent['change'], string> = { ACTIVATED: 'activated', DEACTIVATED: 'deactivated', RELEASED: 'was released' };
const COLOR: Record<SlotEvent['change'], 'success' | 'default' | 'warning'> = { ACTIVATED: 'success', DEACTIVATED: 'default', RELEASED: 'warning' };

export function LiveStatusChip({ status }: { status: LiveStatus }) {
  return (
    <Chip
      size="small"
      data-testid="live-status"
      label={status === 'live' ? 'Live' : status === 'connecting' ? 'Connecting…' : 'Offline'}
      color={status === 'live' ? 'success' : status === 'connecting' ? 'default' : 'error'}
      variant={status === 'live' ? 'filled' : 'outlined'}
    />
  );
}

/** Slot events since the page was opened, newest first. */
export function LiveFeed() {
  const { status, events } = useLive();
  return (
    <Box>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, mb: 1 }}>
        <Typography variant="h6" component="h2">Slot activity</Typography>
        <LiveStatusChip status={status} />
      </Box>
      {events.length === 0 ? (
        <Typography color="text.secondary" variant="body2">
          Machines taking and freeing seats show here as it happens.
        </Typography>
      ) : (
        <List dense data-testid="live-feed" disablePadding>
          {events.map((e) => (
            <ListItem key={`${e.activation.id}-${e.change}-${e.at}`} disableGutters divider>
              <ListItemText
                primary={
                  <>
                    <Chip size="small" label={e.change.toLowerCase()} color={COLOR[e.change]} sx={{ mr: 1 }} />
                    {e.activation.machineName} ({e.activation.osUser}) {VERB[e.change]}
                  </>
                }
                secondary={
                  <>
                    {new Date(e.at).toLocaleTimeString()} · <Link to={`/licenses/${e.licenseId}/show`}>license</Link> · {e.seatsUsed} of {e.seats}{' '}
                    seats in use
                  </>
                }
              />
            </ListItem>
          ))}
        </List>
      )}
    </Box>
  );
}
