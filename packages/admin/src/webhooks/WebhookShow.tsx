import { Table, TableBody, TableCell, TableRow } from '@mui/material';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import {
  BooleanField,
  Datagrid,
  DateField,
  DeleteWithConfirmButton,
  NumberField,
  Pagination,
  ReferenceManyField,
  Show,
  SimpleShowLayout,
  TextField,
  type Identifier,
  TopToolbar,
  useDataProvider,
  useRecordContext,
  useUpdate,
} from 'react-admin';
import { ConfirmButton } from '../common/ConfirmButton.tsx';
import { useFeedback } from '../common/feedback.ts';
import { SecretDialog } from '../common/SecretDialog.tsx';
import { StatusField } from '../common/StatusField.tsx';
import { TableHeader } from '../common/TableHeader.tsx';
import type { SlotkeeperDataProvider } from '../dataProvider.ts';
import { WebhookEventsField } from './WebhookEvents.tsx';

interface Endpoint {
  id: string;
  url: string;
  enabled: boolean;
}

interface Attempt {
  attempt: number;
  at: string;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

function Actions() {
  const endpoint = useRecordContext<Endpoint>();
  const dataProvider = useDataProvider<SlotkeeperDataProvider>();
  const feedback = useFeedback();
  const [update, { isPending }] = useUpdate();
  const rotate = useMutation({ mutationFn: (id: Identifier) => dataProvider.rotateWebhookSecret(id) });
  const [secret, setSecret] = useState<string | null>(null);
  if (!endpoint) return null;
  return (
    <TopToolbar>
      <ConfirmButton
        label={endpoint.enabled ? 'Pause' : 'Enable'}
        title={endpoint.enabled ? 'Pause this endpoint?' : 'Enable this endpoint?'}
        content={endpoint.enabled ? 'Events are kept and sent once it is enabled again.' : 'Deliveries that waited go out now.'}
        isPending={isPending}
        onConfirm={() =>
          update(
            'webhooks',
            { id: endpoint.id, data: { enabled: !endpoint.enabled }, previousData: endpoint },
            { ...feedback(endpoint.enabled ? 'Endpoint paused' : 'Endpoint enabled'), returnPromise: true },
          )
        }
      />
      <ConfirmButton
        label="Rotate secret"
        title="Rotate the signing secret?"
        content="A new secret is shown once; the current one keeps signing beside it for a day, so the receiver can switch without a gap."
        isPending={rotate.isPending}
        onConfirm={() => {
          const done = feedback('New secret made');
          return rotate.mutateAsync(endpoint.id, {
            ...done,
            onSuccess: (made) => {
              setSecret(made);
              done.onSuccess();
            },
          });
        }}
      />
      <DeleteWithConfirmButton confirmTitle="Remove this endpoint?" confirmContent="Its delivery log goes with it." />
      <SecretDialog secret={secret} title="New signing secret" intro="Give the receiver this signing secret (Standard Webhooks); it is shown only now:" testId="webhook-secret" onClose={() => setSecret(null)} />
    </TopToolbar>
  );
}

function SendAgainButton() {
  const delivery = useRecordContext<{ id: string; status: string }>();
  const dataProvider = useDataProvider<SlotkeeperDataProvider>();
  const feedback = useFeedback();
  const resend = useMutation({ mutationFn: (id: Identifier) => dataProvider.resendWebhookDelivery(id) });
  if (!delivery) return null;
  return (
    <ConfirmButton
      label="Send again"
      title="Send this delivery again?"
      content="The same event, with the same webhook-id, is delivered once more now."
      disabled={delivery.status === 'SENDING'}
      isPending={resend.isPending}
      onConfirm={() => resend.mutateAsync(delivery.id, feedback('Queued to send again'))}
    />
  );
}

/** Every attempt of one delivery: when, the answer, how long it took. */
function AttemptLog() {
  const delivery = useRecordContext<{ log: Attempt[] }>();
  return (
    <Table size="small">
      <TableHeader columns={['Attempt', 'At', 'Response', 'Duration']} />
      <TableBody>
        {(delivery?.log ?? []).map((a) => (
          <TableRow key={a.attempt + a.at}>
            <TableCell>{a.attempt}</TableCell>
            <TableCell>{new Date(a.at).toLocaleString()}</TableCell>
            <TableCell>{a.statusCode ?? a.error ?? '—'}</TableCell>
            <TableCell>{a.durationMs} ms</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

export default function WebhookShow() {
  return (
    <Show actions={<Actions />}>
      <SimpleShowLayout>
        <TextField source="url" label="URL" />
        <WebhookEventsField label="Events" />
        <TextField source="reseller.name" label="Reseller" emptyText="every tenant" />
        <BooleanField source="enabled" />
        <DateField source="disabledAt" showTime emptyText="—" />
        <DateField source="failingSince" showTime emptyText="—" label="Failing since" />
        <DateField source="previousSecretUntil" showTime emptyText="—" label="Old secret signs until" />
        <ReferenceManyField label="Deliveries" reference="webhookDeliveries" target="endpointId" sort={{ field: 'createdAt', order: 'DESC' }} perPage={25} pagination={<Pagination />}>
          <Datagrid bulkActionButtons={false} rowClick={false} expand={<AttemptLog />}>
            <DateField source="createdAt" showTime label="Event at" />
            <TextField source="eventType" label="Event" sortable={false} />
            <StatusField source="status" />
            <NumberField source="attempts" sortable={false} />
            <TextField source="lastStatusCode" label="Response" emptyText="—" sortable={false} />
            <TextField source="lastError" emptyText="—" sortable={false} />
            <DateField source="deliveredAt" showTime emptyText="—" sortable={false} />
            <SendAgainButton />
          </Datagrid>
        </ReferenceManyField>
      </SimpleShowLayout>
    </Show>
  );
}
