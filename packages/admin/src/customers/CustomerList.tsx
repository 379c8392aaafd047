import { Datagrid, DateField, List, NumberField, ReferenceInput, SearchInput, SelectInput, SimpleList, usePermissions } from 'react-admin';
import { csvExporter } from '../common/exporter.ts';
import { ShowLinkField } from '../common/ShowLinkField.tsx';
import { useSmall } from '../common/useSmall.ts';
import type { Customer } from '../types.ts';

const exporter = csvExporter<Customer>('customers', (c) => ({
  'E-mail': c.email,
  Licenses: c.licenseCount,
  Since: c.createdAt,
  'Password changed': c.passwordChangedAt,
}));

export default function CustomerList() {
  const { permissions } = usePermissions<string>();
  const vendor = permissions === 'VENDOR_ADMIN';
  const small = useSmall();
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
    <List filters={filters} sort={{ field: 'createdAt', order: 'DESC' }} perPage={25} exporter={exporter}>
      {small ? (
        <SimpleList<Customer>
          primaryText={(c) => c.email}
          secondaryText={(c) => `${c.licenseCount} license(s)`}
          tertiaryText={(c) => new Date(c.createdAt).toLocaleDateString()}
          rowClick="show"
        />
      ) : (
        <Datagrid rowClick="show" bulkActionButtons={false}>
          <ShowLinkField source="email" />
          <NumberField source="licenseCount" sortable={false} />
          <DateField source="createdAt" />
          <DateField source="passwordChangedAt" showTime sortable={false} />
        </Datagrid>
      )}
    </List>
  );
}
