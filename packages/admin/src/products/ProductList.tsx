import { Datagrid, DateField, List, NumberField, SearchInput, TextField, UrlField } from 'react-admin';
import { EmptyList } from '../common/EmptyList.tsx';

const empty = (
  <EmptyList
    title="No product yet"
    hint="Add the plug-in you sell: its code is what the plug-in sends when it activates, and licenses are issued for it."
    create="Add product"
  />
);

export default function ProductList() {
  return (
    <List filters={[<SearchInput key="q" source="q" placeholder="Code or name" alwaysOn />]} sort={{ field: 'code', order: 'ASC' }} exporter={false} empty={empty}>
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
