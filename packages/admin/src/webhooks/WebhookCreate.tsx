import { useState } from 'react';
import { CheckboxGroupInput, Create, SimpleForm, TextInput, maxLength, required, usePermissions, useRedirect } from 'react-admin';
import { EVENT_TYPES } from './WebhookEvents.tsx';
import { SecretDialog } from '../common/SecretDialog.tsx';

export default function WebhookCreate() {
  const redirect = useRedirect();
  const { permissions } = usePermissions<string>();
  const [created, setCreated] = useState<{ id: string; secret: string } | null>(null);
  return (
    <>
      <Create title="New webhook endpoint" mutationOptions={{ onSuccess: (endpoint: { id: string; secret: string }) => setCreated(endpoint) }}>
        <SimpleForm>
          <TextInput source="url" label="URL" validate={[required(), maxLength(2000)]} helperText="https://… — receives a signed POST for each event" fullWidth />
          <CheckboxGroupInput source="events" choices={EVENT_TYPES} helperText="None ticked: every event" />
          {permissions === 'VENDOR_ADMIN' ? (
            <TextInput source="reseller" helperText="A reseller's name: only its events. Empty: every tenant's events" />
          ) : null}
        </SimpleForm>
      </Create>
      <SecretDialog secret={created?.secret ?? null} title="Webhook endpoint added" intro="Give the receiver this signing secret (Standard Webhooks); it is shown only now:" testId="webhook-secret" onClose={() => redirect('show', 'webhooks', created!.id)} />
    </>
  );
}
