import { Datagrid, DateField, List, NumberField, SearchInput, SelectInput, TextField } from 'react-admin';
import { ACTIONS_HEADER } from '../common/ActionsHeader.tsx';
import { StatusField, statusName } from '../common/StatusField.tsx';
import { MailOpenButton } from './MailOpenButton.tsx';

const STATUSES = ['PENDING', 'SENDING', 'SENT', 'FAILED', 'HELD'].map((id) => ({ id, name: statusName(id) }));

/** The outbox (vendor admins only: a message can hold a generated password until it is sent). */
export default function MailList() {
  return (
    <List
      filters={[<SearchInput key="to" source="to" placeholder="Address" alwaysOn />, <SelectInput key="status" source="status" choices={STATUSES} alwaysOn />]}
      sort={{ field: 'createdAt', order: 'DESC' }}
      perPage={50}
      exporter={false}
    >
      <Datagrid bulkActionButtons={false} rowClick={false}>
        <DateField source="createdAt" showTime />
        <TextField source="to" />
        <TextField source="template" sortable={false} />
        <StatusField source="status" />
        <NumberField source="attempts" sortable={false} />
        <DateField source="sentAt" showTime emptyText="—" sortable={false} />
        <TextField source="lastError" emptyText="—" sortable={false} />
        <MailOpenButton label={ACTIONS_HEADER} />
      </Datagrid>
    </List>
  );
}
