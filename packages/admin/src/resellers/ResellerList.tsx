import { Datagrid, DateField, FunctionField, Link, List, SearchInput } from 'react-admin';

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
        <DateField source="createdAt" />
      </Datagrid>
    </List>
  );
}
