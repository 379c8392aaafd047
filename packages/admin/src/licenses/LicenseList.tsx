import { Box, Typography } from '@mui/material';
import {
  CreateButton,
  Datagrid,
  DateField,
  downloadCSV,
  type Exporter,
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
import { toCsv } from '../common/csv.ts';
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

const exporter: Exporter<License> = (records) =>
  downloadCSV(
    toCsv(
      records.map((l) => ({
        id: l.id,
        customer: l.customer.email,
        reseller: l.reseller?.name ?? '',
        product: l.product.code,
        seats: l.seats,
        seatsUsed: l.seatsUsed,
        seatsFree: Math.max(0, l.seats - l.seatsUsed),
        status: l.status,
        startsAt: l.startsAt,
        expiresAt: l.expiresAt,
        issuedAt: l.createdAt,
      })),
    ),
    'licenses',
  );

const Empty = () => (
  <Box sx={{ textAlign: 'center', m: 6, flex: 1 }}>
    <Typography variant="h5" color="text.secondary" gutterBottom>
      No license yet
    </Typography>
    <Typography color="text.secondary" sx={{ mb: 2 }}>
      Issue one: a new customer gets their login and password by e-mail.
    </Typography>
    <CreateButton label="Issue license" variant="contained" />
  </Box>
);

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
      empty={<Empty />}
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
          <SeatsField label="Seats used" sortBy="seats" />
          <StatusField source="status" />
          <DateField source="expiresAt" />
          <DateField source="createdAt" />
        </Datagrid>
      )}
    </List>
  );
}
