import { BooleanField, Datagrid, DateField, List, SearchInput, TextField } from 'react-admin';
import { CreateOnlyActions } from '../common/CreateOnlyActions.tsx';
import { WebhookEventsField } from './WebhookEvents.tsx';

/** Webhook endpoints in scope: a reseller admin sees its own only. */
export default function WebhookList() {
  return (
    <List
      filters={[<SearchInput key="url" source="url" placeholder="URL" alwaysOn />]}
      sort={{ field: 'createdAt', order: 'ASC' }}
      actions={<CreateOnlyActions />}
      exporter={false}
    >
      <Datagrid bulkActionButtons={false} rowClick="show">
        <TextField source="url" />
        <WebhookEventsField label="Events" />
        <TextField source="reseller.name" label="Reseller" emptyText="every tenant" sortable={false} />
        <BooleanField source="enabled" sortable={false} />
        <DateField source="failingSince" showTime emptyText="—" sortable={false} />
        <DateField source="createdAt" showTime />
      </Datagrid>
    </List>
  );
}
