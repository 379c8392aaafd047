import {
  CreateButton,
  Datagrid,
  DateField,
  ExportButton,
  FilterButton,
  List,
  ReferenceInput,
  SearchInput,
  SelectInput,
  SimpleList,
  TextField,
  TopToolbar,
  usePermissions,
} from 'react-admin';
import { ProductInput } from '../common/ChoiceInputs.tsx';
import { EmptyList } from '../common/EmptyList.tsx';
import { csvExporter } from '../common/exporter.ts';
import { SeatsField } from '../common/SeatsBar.tsx';
import { ShowLinkField } from '../common/ShowLinkField.tsx';
import { useSmall } from '../common/useSmall.ts';
import { LICENSE_STATUSES, StatusField, statusName } from '../common/StatusField.tsx';
import type { License } from '../types.ts';

const EXPIRING = [
  { id: 7, name: 'within 7 days' },
  { id: 30, name: 'within 30 days' },
  { id: 90, name: 'within 90 days' },
];

function filters(vendor: boolean) {
  return [
    <SearchInput key="customerEmail" source="customerEmail" placeholder="Customer e-mail" alwaysOn />,
    <ProductInput key="product" source="product" label="Product" alwaysOn />,
    <SelectInput key="status" source="status" choices={LICENSE_STATUSES} alwaysOn />,
    <SelectInput key="expiringWithinDays" source="expiringWithinDays" label="Expiring" choices={EXPIRING} alwaysOn />,
    ...(vendor
      ? [
          <ReferenceInput key="resellerId" source="resellerId" reference="resellers" perPage={100}>
            <SelectInput optionText="name" label="Reseller" />
          </ReferenceInput>,
        ]
      : []),
  ];
}

const exporter = csvExporter<License>('licenses', (l) => ({
  'License ID': l.id,
  'Customer e-mail': l.customer.email,
  Reseller: l.reseller?.name ?? '',
  Product: l.product.code,
  Seats: l.seats,
  'Seats used': l.seatsUsed,
  'Seats free': Math.max(0, l.seats - l.seatsUsed),
  Status: statusName(l.status),
  Starts: l.startsAt,
  Expires: l.expiresAt,
  Issued: l.createdAt,
}));


const Actions = ({ vendor }: { vendor: boolean }) => (
  <TopToolbar>
    {vendor && <FilterButton />}
    <CreateButton label="Issue license" />
    <ExportButton maxResults={5000} />
  </TopToolbar>
);

export default function LicenseList() {
  const { permissions } = usePermissions<string>();
  const vendor = permissions === 'VENDOR_ADMIN';
  const small = useSmall();
  return (
    <List
      filters={filters(vendor)}
      actions={<Actions vendor={vendor} />}
      sort={{ field: 'createdAt', order: 'DESC' }}
      exporter={exporter}
      perPage={25}
      empty={<EmptyList title="No license yet" hint="Issue one: a new customer gets their login and password by e-mail." create="Issue license" />}
    >
      {small ? (
        <SimpleList<License>
          primaryText={(l) => l.customer.email}
          secondaryText={(l) => `${l.product.name} · ${l.seatsUsed} / ${l.seats} seats · ${statusName(l.status)}`}
          tertiaryText={(l) => new Date(l.expiresAt).toLocaleDateString()}
          rowClick="show"
        />
      ) : (
        <Datagrid rowClick="show" bulkActionButtons={false}>
          <ShowLinkField source="customer.email" sortBy="customer.email" />
          {vendor && <TextField source="reseller.name" label="Reseller" sortable={false} emptyText="—" />}
          <TextField source="product.name" sortable={false} />
          {/* Sorted by the seats sold: the API has no sort by seats in use (counted, not stored). */}
          <SeatsField label="Seats (in use / sold)" sortBy="seats" />
          <StatusField source="status" />
          <DateField source="expiresAt" />
          <DateField source="createdAt" />
        </Datagrid>
      )}
    </List>
  );
}
