import KeyIcon from '@mui/icons-material/Key';
import LockOpenIcon from '@mui/icons-material/LockOpen';
import MailIcon from '@mui/icons-material/ForwardToInbox';
import { Card, CardContent, Typography } from '@mui/material';
import { useMutation } from '@tanstack/react-query';
import {
  CreateButton,
  Datagrid,
  EditButton,
  NumberField,
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
import { deniedWords } from '../common/policy.ts';
import { SeatsField } from '../common/SeatsBar.tsx';
import { Section } from '../common/Section.tsx';
import { StatusField } from '../common/StatusField.tsx';
import { useFeedback } from '../common/feedback.ts';
import type { SlotkeeperDataProvider } from '../dataProvider.ts';
import { mailNoticeType, mailOutcome, useMailDelivery } from '../mail/delivery.ts';
import type { Customer } from '../types.ts';

function Actions() {
  const customer = useRecordContext<Customer>();
  const dataProvider = useDataProvider<SlotkeeperDataProvider>();
  const feedback = useFeedback();
  const delivery = useMailDelivery();
  const held = delivery?.configured === false ? ' E-mail is not configured on this server: the message will be held in the outbox, not sent.' : '';
  const resend = useMutation({ mutationFn: (id: Identifier) => dataProvider.resendCredentials(id) });
  const reset = useMutation({ mutationFn: (id: Identifier) => dataProvider.sendPasswordReset(id) });
  const unlock = useMutation({ mutationFn: (id: Identifier) => dataProvider.clearLoginLockout(id) });
  const { permissions } = usePermissions<string>();
  if (!customer) return null;
  return (
    <TopToolbar>
      {permissions === 'VENDOR_ADMIN' && <EditButton label="Change e-mail" />}
      <CreateButton resource="licenses" label="Issue license" state={{ record: { email: customer.email } }} />
      <ConfirmButton
        label="Resend credentials"
        icon={<MailIcon />}
        color="warning"
        title="Resend the credentials?"
        content={`A new password is generated and e-mailed to ${customer.email}. The current password stops working at once and their license-manager sessions end; machines already activated keep working.${held}`}
        confirmLabel="Send new password"
        isPending={resend.isPending}
        onConfirm={() => resend.mutateAsync(customer.id, feedback(`New password set. ${mailOutcome(delivery, 'The e-mail with it', customer.email)}`, undefined, mailNoticeType(delivery)))}
      />
      <ConfirmButton
        label="Send password reset"
        icon={<KeyIcon />}
        title="Send a password reset?"
        content={`${customer.email} receives a single-use link and code to choose a new password. The current password keeps working until then.${held}`}
        confirmLabel="Send"
        isPending={reset.isPending}
        onConfirm={() => reset.mutateAsync(customer.id, feedback(mailOutcome(delivery, 'The password reset e-mail', customer.email), undefined, mailNoticeType(delivery)))}
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

/** The upsell signal over the customer's licenses: activations refused for want of a free seat. */
function DeniedField() {
  const customer = useRecordContext<Customer>();
  if (!customer) return null;
  return (
    <Labeled label="Denied activations">
      <Typography variant="body2" data-testid="denied">
        {deniedWords(customer.deniedLast30Days)}
        {customer.deniedLast30Days > 0 ? ' (all licenses): more seats would have been used' : ''}
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
          <DeniedField />
        </CardContent>
      </Card>
      <Section title="Licenses">
        <ReferenceManyField
          reference="licenses"
          target="customerId"
          sort={{ field: 'expiresAt', order: 'DESC' }}
          perPage={100}
        >
          <Datagrid rowClick="show" bulkActionButtons={false} empty={<Typography color="text.secondary">No license.</Typography>}>
            <TextField source="product.name" sortable={false} />
            {permissions === 'VENDOR_ADMIN' && <TextField source="reseller.name" label="Reseller" sortable={false} emptyText="— (direct)" />}
            <SeatsField label="Seats used" sortBy="seatsUsed" />
            <NumberField source="deniedLast30Days" label="Denied (30 days)" sortable={false} />
            <StatusField source="status" />
            <DateField source="expiresAt" />
            <DateField source="createdAt" />
          </Datagrid>
        </ReferenceManyField>
      </Section>
    </Show>
  );
}
