import { Datagrid, DateField, ExportButton, FunctionField, Link, List, SearchInput, SelectInput, TextField, TopToolbar } from 'react-admin';
import type { Activation } from '../types.ts';
import { ReleaseButton } from './ReleaseButton.tsx';

const filters = [
  <SearchInput key="q" source="q" placeholder="Machine or OS user" alwaysOn />,
  <SelectInput
    key="live"
    source="live"
    alwaysOn
    emptyText="All"
    choices={[
      { id: 'true', name: 'Holding a slot' },
      { id: 'false', name: 'Released' },
    ]}
  />,
];

export default function ActivationList() {
  return (
    <List
      filters={filters}
      actions={
        <TopToolbar>
          <ExportButton />
        </TopToolbar>
      }
      filterDefaultValues={{ live: 'true' }} sort={{ field: 'activatedAt', order: 'DESC' }} perPage={25}>
      <Datagrid bulkActionButtons={false} rowClick={(_id, _resource, record) => `/licenses/${(record as Activation).license.id}/show`}>
        <TextField source="machineName" />
        <TextField source="osUser" sortable={false} />
        <FunctionField
          label="License"
          render={(a: Activation) => (
            <Link to={`/licenses/${a.license.id}/show`} onClick={(e: { stopPropagation(): void }) => e.stopPropagation()}>
              {a.license.customer.email} — {a.license.product.name}
            </Link>
          )}
        />
        <DateField source="activatedAt" showTime />
        <DateField source="lastSeenAt" showTime />
        <DateField source="releasedAt" showTime emptyText="—" />
        <TextField source="releaseReason" sortable={false} emptyText="—" />
        <ReleaseButton label="" />
      </Datagrid>
    </List>
  );
}
