import { Datagrid, DateField, List, NumberField, ReferenceInput, SearchInput, SelectInput, TextField, usePermissions } from 'react-admin';

export default function CustomerList() {
  const { permissions } = usePermissions<string>();
  const vendor = permissions === 'VENDOR_ADMIN';
  const filters = [
    <SearchInput key="q" source="q" placeholder="E-mail" alwaysOn />,
    ...(vendor
      ? [
          <ReferenceInput key="resellerId" source="resellerId" reference="resellers" perPage={100} alwaysOn>
            <SelectInput optionText="name" label="Reseller" />
          </ReferenceInput>,
        ]
      : []),
  ];
  return (
    <List filters={filters} sort={{ field: 'createdAt', order: 'DESC' }} perPage={25}>
      <Datagrid rowClick="show" bulkActionButtons={false}>
        <TextField source="email" />
        <NumberField source="licenseCount" sortable={false} />
        <DateField source="createdAt" />
        <DateField source="passwordChangedAt" showTime sortable={false} />
      </Datagrid>
    </List>
  );
}
