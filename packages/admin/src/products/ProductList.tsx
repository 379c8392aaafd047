import { Datagrid, DateField, List, NumberField, SearchInput, TextField, UrlField } from 'react-admin';

export default function ProductList() {
  return (
    <List filters={[<SearchInput key="q" source="q" placeholder="Code or name" alwaysOn />]} sort={{ field: 'code', order: 'ASC' }} exporter={false}>
      <Datagrid bulkActionButtons={false} rowClick={false}>
        <TextField source="code" />
        <TextField source="name" />
        <NumberField source="leaseDays" emptyText="until expiry" />
        <NumberField source="remoteReleasesPerYear" />
        <UrlField source="links.website" emptyText="—" sortable={false} target="_blank" rel="noopener" />
        <DateField source="createdAt" />
      </Datagrid>
    </List>
  );
}
