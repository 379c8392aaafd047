import { Chip, Stack } from '@mui/material';
import { useRecordContext } from 'react-admin';

/** The event types, as the API names them (GraphQL enum) and as receivers see them. */
export const EVENT_TYPES = [
  { id: 'LICENSE_CREATED', name: 'license.created' },
  { id: 'LICENSE_UPDATED', name: 'license.updated' },
  { id: 'ACTIVATION_CREATED', name: 'activation.created' },
  { id: 'ACTIVATION_RELEASED', name: 'activation.released' },
  { id: 'SLOT_DENIED', name: 'slot.denied' },
  { id: 'CUSTOMER_CREATED', name: 'customer.created' },
];

const nameOf = (id: string) => EVENT_TYPES.find((e) => e.id === id)?.name ?? id;

export function WebhookEventsField(_props: { label?: string }) {
  const record = useRecordContext<{ events?: string[] }>();
  const events = record?.events ?? [];
  if (events.length === 0) return <Chip size="small" label="every event" variant="outlined" />;
  return (
    <Stack direction="row" gap={0.5} flexWrap="wrap">
      {events.map((e) => (
        <Chip key={e} size="small" label={nameOf(e)} variant="outlined" />
      ))}
    </Stack>
  );
}
