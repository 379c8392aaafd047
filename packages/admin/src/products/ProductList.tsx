import { Box, Typography } from '@mui/material';
import { CreateButton, Datagrid, DateField, List, NumberField, SearchInput, TextField, UrlField } from 'react-admin';

const Empty = () => (
  <Box sx={{ textAlign: 'center', m: 6, flex: 1 }}>
    <Typography variant="h5" component="h2" color="text.secondary" gutterBottom>
      No product yet
    </Typography>
    <Typography color="text.secondary" sx={{ mb: 2 }}>
      Add the plug-in you sell: its code is what the plug-in sends when it activates, and licenses are issued for it.
    </Typography>
    <CreateButton label="Add product" variant="contained" />
  </Box>
);

export default function ProductList() {
  return (
    <List filters={[<SearchInput key="q" source="q" placeholder="Code or name" alwaysOn />]} sort={{ field: 'code', order: 'ASC' }} exporter={false} empty={<Empty />}>
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
