import { Box, Chip, List, ListItem, ListItemText, Typography } from '@mui/material';
import { Link, useTranslate } from 'react-admin';
import { type LiveStatus, useLive } from '../live.tsx';
import type { SlotEvent } from '../slot-event.ts';

const COLOR: Record<SlotEvent['change'], 'success' | 'default' | 'warning'> = {
  ACTIVATED: 'success',
  DEACTIVATED: 'default',
  RELEASED: 'warning',
  LEASE_EXPIRED: 'default',
};

export function LiveStatusChip({ status }: { status: LiveStatus }) {
  const translate = useTranslate();
  return (
    <Chip
      size="small"
      data-testid="live-status"
      label={translate(`slotkeeper.live.${status}`)}
      color={status === 'live' ? 'success' : status === 'connecting' ? 'default' : 'error'}
      variant={status === 'live' ? 'filled' : 'outlined'}
    />
  );
}

/** Slot events since the page was opened, newest first: which machine, whose license, of what product. */
export function LiveFeed() {
  const { status, events } = useLive();
  const translate = useTranslate();
  return (
    <Box>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, mb: 1 }}>
        <Typography variant="h6" component="h2">
          {translate('slotkeeper.live.title')}
        </Typography>
        <LiveStatusChip status={status} />
      </Box>
      {events.length === 0 ? (
        <Typography color="text.secondary" variant="body2">
          {translate('slotkeeper.live.empty')}
        </Typography>
      ) : (
        <List dense data-testid="live-feed" disablePadding>
          {events.map((e) => (
            <ListItem key={`${e.activation.id}-${e.change}-${e.at}`} disableGutters divider>
              <ListItemText
                primary={
                  <>
                    <Chip size="small" label={translate(`slotkeeper.live.change.${e.change}`)} color={COLOR[e.change]} sx={{ mr: 1 }} />
                    {e.activation.machineName} ({e.activation.osUser}) {translate(`slotkeeper.live.verb.${e.change}`)} —{' '}
                    {e.activation.license.customer.email}, {e.activation.license.product.name}
                  </>
                }
                secondary={
                  <>
                    {new Date(e.at).toLocaleTimeString()} · <Link to={`/licenses/${e.licenseId}/show`}>{translate('slotkeeper.live.license')}</Link> ·{' '}
                    {translate('slotkeeper.live.seats', { used: e.seatsUsed, seats: e.seats })}
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
