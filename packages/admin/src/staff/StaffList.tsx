import DisableIcon from '@mui/icons-material/PersonOff';
import type { ReactNode } from 'react';
import { Datagrid, DateField, List, SearchInput, SelectInput, TextField, useGetIdentity, useRecordContext, useUpdate } from 'react-admin';
import { ACTIONS_HEADER } from '../common/ActionsHeader.tsx';
import { ConfirmButton } from '../common/ConfirmButton.tsx';
import { useFeedback } from '../common/feedback.ts';
import type { StaffUser } from '../types.ts';

export const ROLES = [
  { id: 'VENDOR_ADMIN', name: 'Vendor admin' },
  { id: 'RESELLER_ADMIN', name: 'Reseller admin' },
];

function DisableButton(_props: { label?: ReactNode }) {
  const staff = useRecordContext<StaffUser>();
  const { identity } = useGetIdentity();
  const [update, { isPending }] = useUpdate<StaffUser>(undefined, undefined, { returnPromise: true });
  const feedback = useFeedback();
  if (!staff || staff.disabledAt || staff.id === identity?.id) return null;
  return (
    <ConfirmButton
      label="Disable"
      icon={<DisableIcon />}
      color="error"
      title={`Disable ${staff.email}?`}
      content="They can no longer log in to the dashboard, and their open sessions end now. This can't be undone: the account stays disabled and its e-mail can't be given to a new staff account."
      isPending={isPending}
      onConfirm={() =>
        update('staff', { id: staff.id, data: { disabled: true } as Partial<StaffUser>, previousData: staff }, feedback(`${staff.email} is disabled.`))
      }
    />
  );
}

export default function StaffList() {
  return (
    <List
      filters={[<SearchInput key="q" source="q" placeholder="E-mail" alwaysOn />, <SelectInput key="role" source="role" choices={ROLES} alwaysOn />]}
      sort={{ field: 'email', order: 'ASC' }}
      exporter={false}
    >
      <Datagrid bulkActionButtons={false} rowClick={false}>
        <TextField source="email" />
        <RoleField label="Role" sortBy="role" />
        <TextField source="reseller.name" sortable={false} emptyText="—" />
        <DateField source="createdAt" />
        <DateField source="disabledAt" showTime emptyText="—" sortable={false} />
        <DisableButton label={ACTIONS_HEADER} />
      </Datagrid>
    </List>
  );
}

function RoleField(_props: { label?: string; sortBy?: string }) {
  const staff = useRecordContext<StaffUser>();
  return <>{ROLES.find((r) => r.id === staff?.role)?.name ?? staff?.role}</>;
}
