import { Datagrid, DateField, ExportButton, FunctionField, Link, List, SearchInput, SelectInput, SimpleList, TextField, TopToolbar } from 'react-admin';
import { ACTIONS_HEADER } from '../common/ActionsHeader.tsx';
import { csvExporter } from '../common/exporter.ts';
import { useSmall } from '../common/useSmall.ts';
import type { Activation } from '../types.ts';
import { ReleaseButton } from './ReleaseButton.tsx';

const filters = [
  <SearchInput key="q" source="q" placeholder="Machine or OS user" alwaysOn />,
  <SelectInput
    key="live"
    source="live"
    alwaysOn
    emptyText="All"
    choices={[
      { id: 'true', name: 'Holding a slot' },
      { id: 'false', name: 'Released' },
    ]}
  />,
];

const exporter = csvExporter<Activation>('activations', (a) => ({
  Machine: a.machineName,
  'OS user': a.osUser,
  'Customer e-mail': a.license.customer.email,
  Product: a.license.product.code,
  'License ID': a.license.id,
  Activated: a.activatedAt,
  'Last seen': a.lastSeenAt,
  Released: a.releasedAt ?? '',
  'Release reason': a.releaseReason ?? '',
}));

const licensePage = (_id: unknown, _resource: string, record: Activation) => `/licenses/${record.license.id}/show`;

export default function ActivationList() {
  const small = useSmall();
  return (
    <List
      filters={filters}
      exporter={exporter}
      actions={
        <TopToolbar>
          <ExportButton />
        </TopToolbar>
      }
      filterDefaultValues={{ live: 'true' }} sort={{ field: 'activatedAt', order: 'DESC' }} perPage={25}>
      {small ? (
        // A row opens the license, where the machine can be released.
        <SimpleList<Activation>
          primaryText={(a) => `${a.machineName} (${a.osUser})`}
          secondaryText={(a) => `${a.license.customer.email} — ${a.license.product.name}`}
          tertiaryText={(a) => new Date(a.releasedAt ?? a.activatedAt).toLocaleDateString()}
          rowClick={(id, resource, record) => licensePage(id, resource, record as Activation)}
        />
      ) : (
        <Datagrid bulkActionButtons={false} rowClick={(id, resource, record) => licensePage(id, resource, record as Activation)}>
          <TextField source="machineName" />
          <TextField source="osUser" sortable={false} />
          <FunctionField
            label="License"
            render={(a: Activation) => (
              <Link to={`/licenses/${a.license.id}/show`} onClick={(e: { stopPropagation(): void }) => e.stopPropagation()}>
                {a.license.customer.email} — {a.license.product.name}
              </Link>
            )}
          />
          <DateField source="activatedAt" showTime />
          <DateField source="lastSeenAt" showTime />
          <DateField source="releasedAt" showTime emptyText="—" />
          <TextField source="releaseReason" sortable={false} emptyText="—" />
          <ReleaseButton label={ACTIONS_HEADER} />
        </Datagrid>
      )}
    </List>
  );
}
