import { Datagrid, DateField, EditButton, FunctionField, Link, List, NumberField, SearchInput } from 'react-admin';
import { ACTIONS_HEADER } from '../common/ActionsHeader.tsx';

const customersOf = (id: unknown) => `/customers?filter=${encodeURIComponent(JSON.stringify({ resellerId: id }))}`;

/** Resellers; a row (or its name, from the keyboard) opens that reseller's customers. */
export default function ResellerList() {
  return (
    <List filters={[<SearchInput key="q" source="q" placeholder="Name" alwaysOn />]} sort={{ field: 'name', order: 'ASC' }} exporter={false}>
      <Datagrid bulkActionButtons={false} rowClick={(id) => customersOf(id)}>
        <FunctionField
          source="name"
          render={(r: { id: string; name: string }) => (
            <Link to={customersOf(r.id)} onClick={(e: { stopPropagation(): void }) => e.stopPropagation()}>
              {r.name}
            </Link>
          )}
        />
        <NumberField source="licenseCount" sortable={false} />
        <NumberField source="staffCount" sortable={false} />
        <DateField source="createdAt" />
        <RenameButton label={ACTIONS_HEADER} />
      </Datagrid>
    </List>
  );
}

function RenameButton(_props: { label?: unknown }) {
  return <EditButton label="Rename or merge" onClick={(e: { stopPropagation(): void }) => e.stopPropagation()} />;
}
