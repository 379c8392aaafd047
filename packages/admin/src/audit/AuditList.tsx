import { Box } from '@mui/material';
import { Datagrid, DateField, FunctionField, Link, List, SimpleList, TextField, TextInput, useRecordContext } from 'react-admin';
import { csvExporter } from '../common/exporter.ts';
import { useSmall } from '../common/useSmall.ts';
import type { AuditEvent } from '../types.ts';
import { actionTitle, describeChange } from './describe.ts';

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
  const [resource, view] = kind === 'license' ? ['licenses', 'show'] : kind === 'customer' ? ['customers', 'show'] : kind === 'product' ? ['products', 'edit'] : [null, null];
  return resource && id ? (
    <Link to={`/${resource}/${id}/${view}`} onClick={(e: { stopPropagation(): void }) => e.stopPropagation()}>
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

const exporter = csvExporter<AuditEvent>('audit', (e) => ({ When: e.at, Who: e.actor, Action: e.action, Subject: e.subject, Change: describeChange(e.action, e.data), Data: e.data ?? '' }));

const short = (data: string | null) => (data && data.length > 80 ? `${data.slice(0, 80)}…` : (data ?? ''));

export default function AuditList() {
  const small = useSmall();
  return (
    <List filters={filters} sort={{ field: 'at', order: 'DESC' }} perPage={50} exporter={exporter}>
      {small ? (
        <SimpleList<AuditEvent>
          primaryText={(e) => `${actionTitle(e.action)} · ${e.actor}`}
          secondaryText={(e) => (
            <Box component="span" sx={{ wordBreak: 'break-all' }}>
              {e.subject} {short(describeChange(e.action, e.data))}
            </Box>
          )}
          tertiaryText={(e) => new Date(e.at).toLocaleString()}
          rowClick={(_id, _resource, e) => {
            const [kind, id] = String(e.subject).split(':');
            return kind === 'license' ? `/licenses/${id}/show` : kind === 'customer' ? `/customers/${id}/show` : false;
          }}
        />
      ) : (
        <Datagrid bulkActionButtons={false} rowClick="expand" expand={<Data />}>
          <DateField source="at" showTime />
          <TextField source="actor" />
          <FunctionField source="action" render={(e: AuditEvent) => actionTitle(e.action)} />
          <Subject label="Subject" />
          <FunctionField label="Change" render={(e: AuditEvent) => describeChange(e.action, e.data)} />
        </Datagrid>
      )}
    </List>
  );
}
