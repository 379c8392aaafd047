import { Box } from '@mui/material';
import { Datagrid, DateField, FunctionField, Link, List, TextField, TextInput, useRecordContext } from 'react-admin';
import type { AuditEvent } from '../types.ts';

const filters = [
  <TextInput key="action" source="action" helperText="e.g. license.issued" alwaysOn />,
  <TextInput key="actor" source="actor" alwaysOn />,
  <TextInput key="subject" source="subject" helperText="e.g. license:<id>" />,
];

/** `license:<id>` and `customer:<id>` link to their page. */
function Subject(_props: { label?: string }) {
  const event = useRecordContext<AuditEvent>();
  if (!event) return null;
  const [kind, id] = event.subject.split(':');
  const resource = kind === 'license' ? 'licenses' : kind === 'customer' ? 'customers' : null;
  return resource && id ? (
    <Link to={`/${resource}/${id}/show`} onClick={(e: { stopPropagation(): void }) => e.stopPropagation()}>
      {event.subject}
    </Link>
  ) : (
    <>{event.subject}</>
  );
}

function Data() {
  const event = useRecordContext<AuditEvent>();
  let text = event?.data ?? '';
  try {
    text = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // shown as stored
  }
  return (
    <Box component="pre" sx={{ m: 0, fontSize: 12, whiteSpace: 'pre-wrap' }}>
      {text || '—'}
    </Box>
  );
}

export default function AuditList() {
  return (
    <List filters={filters} sort={{ field: 'at', order: 'DESC' }} perPage={50}>
      <Datagrid bulkActionButtons={false} rowClick="expand" expand={<Data />}>
        <DateField source="at" showTime />
        <TextField source="actor" />
        <TextField source="action" />
        <Subject label="Subject" />
        <FunctionField
          label="Change"
          render={(e: AuditEvent) => (e.data && e.data.length > 80 ? `${e.data.slice(0, 80)}…` : (e.data ?? ''))}
          sx={{ fontFamily: 'monospace', fontSize: 12 }}
        />
      </Datagrid>
    </List>
  );
}
