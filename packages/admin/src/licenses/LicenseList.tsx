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
  useTranslate,
} from 'react-admin';
import { ProductInput } from '../common/ChoiceInputs.tsx';
import { EmptyList } from '../common/EmptyList.tsx';
import { csvExporter } from '../common/exporter.ts';
import { SeatsField } from '../common/SeatsBar.tsx';
import { ShowLinkField } from '../common/ShowLinkField.tsx';
import { useSmall } from '../common/useSmall.ts';
import { LICENSE_STATUSES, StatusField, statusName } from '../common/StatusField.tsx';
import type { License } from '../types.ts';

// Narrow enough that the four filters and the list's three actions share one line at 1,366 px.
const NARROW = { width: 140, minWidth: 140 };
const EXPIRING = [7, 30, 90].map((id) => ({ id, name: `slotkeeper.licenses.within_${id}` }));

function filters(vendor: boolean, translate: (key: string) => string) {
  return [
    <SearchInput key="customerEmail" source="customerEmail" placeholder={translate('resources.licenses.fields.customerEmail')} sx={{ width: 220 }} alwaysOn />,
    <ProductInput key="product" source="product" label="resources.licenses.fields.product" sx={NARROW} alwaysOn />,
    <SelectInput key="status" source="status" choices={LICENSE_STATUSES} sx={NARROW} alwaysOn />,
    <SelectInput key="expiringWithinDays" source="expiringWithinDays" label="slotkeeper.licenses.expiring" choices={EXPIRING} sx={NARROW} alwaysOn />,
    ...(vendor
      ? [
          <ReferenceInput key="resellerId" source="resellerId" reference="resellers" perPage={100}>
            <SelectInput optionText="name" label="resources.licenses.fields.reseller" />
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
    <CreateButton label="slotkeeper.licenses.issue" />
    <ExportButton maxResults={5000} />
  </TopToolbar>
);

export default function LicenseList() {
  const { permissions } = usePermissions<string>();
  const vendor = permissions === 'VENDOR_ADMIN';
  const small = useSmall();
  const translate = useTranslate();
  return (
    <List
      filters={filters(vendor, translate)}
      actions={<Actions vendor={vendor} />}
      sort={{ field: 'createdAt', order: 'DESC' }}
      exporter={exporter}
      perPage={25}
      empty={<EmptyList title={translate('slotkeeper.licenses.empty')} hint={translate('slotkeeper.licenses.empty_hint')} create="slotkeeper.licenses.issue" />}
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
          {vendor && <TextField source="reseller.name" label="resources.licenses.fields.reseller" emptyText="—" />}
          <TextField source="product.name" />
          <SeatsField label="resources.licenses.fields.seatsUsed" sortBy="seatsUsed" />
          <TextField source="seats" label="resources.licenses.fields.seatsSold" />
          <StatusField source="status" />
          <DateField source="expiresAt" />
          <DateField source="createdAt" />
        </Datagrid>
      )}
    </List>
  );
}
