import KeyIcon from '@mui/icons-material/Key';
import LockOpenIcon from '@mui/icons-material/LockOpen';
import MailIcon from '@mui/icons-material/ForwardToInbox';
import { Card, CardContent, Typography } from '@mui/material';
import { useMutation } from '@tanstack/react-query';
import {
  CreateButton,
  Datagrid,
  DateField,
  Labeled,
  ReferenceManyField,
  Show,
  TextField,
  TopToolbar,
  type Identifier,
  useDataProvider,
  usePermissions,
  useRecordContext,
} from 'react-admin';
import { ConfirmButton } from '../common/ConfirmButton.tsx';
import { SeatsField } from '../common/SeatsBar.tsx';
import { StatusField } from '../common/StatusField.tsx';
import { useFeedback } from '../common/feedback.ts';
import type { SlotkeeperDataProvider } from '../dataProvider.ts';
import type { Customer } from '../types.ts';

function Actions() {
  const customer = useRecordContext<Customer>();
  const dataProvider = useDataProvider<SlotkeeperDataProvider>();
  const feedback = useFeedback();
  const resend = useMutation({ mutationFn: (id: Identifier) => dataProvider.resendCredentials(id) });
  const reset = useMutation({ mutationFn: (id: Identifier) => dataProvider.sendPasswordReset(id) });
  const unlock = useMutation({ mutationFn: (id: Identifier) => dataProvider.clearLoginLockout(id) });
  if (!customer) return null;
  return (
    <TopToolbar>
      <CreateButton resource="licenses" label="Issue license" state={{ record: { email: customer.email } }} />
      <ConfirmButton
        label="Resend credentials"
        icon={<MailIcon />}
        color="warning"
        title="Resend the credentials?"
        content={`A new password is generated and e-mailed to ${customer.email}. The current password stops working at once and their license-manager sessions end; machines already activated keep working.`}
        confirmLabel="Send new password"
        isPending={resend.isPending}
        onConfirm={() => resend.mutateAsync(customer.id, feedback(`New credentials are on their way to ${customer.email}.`))}
      />
      <ConfirmButton
        label="Send password reset"
        icon={<KeyIcon />}
        title="Send a password reset?"
        content={`${customer.email} receives a single-use link and code to choose a new password. The current password keeps working until then.`}
        confirmLabel="Send"
        isPending={reset.isPending}
        onConfirm={() => reset.mutateAsync(customer.id, feedback(`A password reset e-mail is on its way to ${customer.email}.`))}
      />
      {customer.loginLockout?.locked && (
        <ConfirmButton
          label="Clear lock-out"
          icon={<LockOpenIcon />}
          title="Clear the log-in lock-out?"
          content={`${customer.email} can log in and activate machines again at once, instead of waiting for the lock to end. Do this once you know the failed attempts were theirs.`}
          confirmLabel="Clear lock-out"
          isPending={unlock.isPending}
          onConfirm={() => unlock.mutateAsync(customer.id, feedback(`${customer.email} can log in again.`))}
        />
      )}
    </TopToolbar>
  );
}

/** "Locked until …" while failed log-ins lock the login out, else the failed attempts of the current minute. */
function LockoutField() {
  const lockout = useRecordContext<Customer>()?.loginLockout;
  if (!lockout) return null;
  return (
    <Labeled label="Log-in">
      <Typography variant="body2" color={lockout.locked ? 'error' : undefined}>
        {lockout.locked && lockout.lockedUntil
          ? `Locked until ${new Date(lockout.lockedUntil).toLocaleTimeString()} (${lockout.failedAttempts} failed attempts)`
          : lockout.failedAttempts > 0
            ? `Not locked (${lockout.failedAttempts} failed attempts)`
            : 'Not locked'}
      </Typography>
    </Labeled>
  );
}

function Title() {
  const customer = useRecordContext<Customer>();
  return <>{customer?.email ?? 'Customer'}</>;
}

export default function CustomerShow() {
  const { permissions } = usePermissions<string>();
  return (
    <Show title={<Title />} actions={<Actions />} component="div">
      <Card>
        <CardContent sx={{ display: 'flex', flexWrap: 'wrap', gap: 4 }}>
          <Labeled>
            <TextField source="email" />
          </Labeled>
          <Labeled>
            <DateField source="createdAt" showTime />
          </Labeled>
          <Labeled>
            <DateField source="passwordChangedAt" showTime />
          </Labeled>
          <LockoutField />
        </CardContent>
      </Card>
      <Card sx={{ mt: 2 }}>
        <CardContent>
          <Typography variant="h6" component="h2" gutterBottom>
            Licenses
          </Typography>
          <ReferenceManyField
            reference="licenses"
            target="customerId"
            sort={{ field: 'expiresAt', order: 'DESC' }}
            perPage={100}
          >
            <Datagrid rowClick="show" bulkActionButtons={false} empty={<Typography color="text.secondary">No license.</Typography>}>
              <TextField source="product.name" sortable={false} />
              {permissions === 'VENDOR_ADMIN' && <TextField source="reseller.name" label="Reseller" sortable={false} emptyText="— (direct)" />}
              <SeatsField label="Seats used" sortBy="seats" />
              <StatusField source="status" />
              <DateField source="expiresAt" />
              <DateField source="createdAt" />
            </Datagrid>
          </ReferenceManyField>
        </CardContent>
      </Card>
    </Show>
  );
}
