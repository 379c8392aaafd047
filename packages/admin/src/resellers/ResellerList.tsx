import { Datagrid, DateField, List, SearchInput, TextField } from 'react-admin';

/** Resellers; a row opens that reseller's customers. */
export default function ResellerList() {
  return (
    <List filters={[<SearchInput key="q" source="q" placeholder="Name" alwaysOn />]} sort={{ field: 'name', order: 'ASC' }} exporter={false}>
      <Datagrid bulkActionButtons={false} rowClick={(id) => `/customers?filter=${encodeURIComponent(JSON.stringify({ resellerId: id }))}`}>
        <TextField source="name" />
        <DateField source="createdAt" />
      </Datagrid>
    </List>
  );
}
