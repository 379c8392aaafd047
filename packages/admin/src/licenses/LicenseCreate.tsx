import {
  Create,
  DateInput,
  NumberInput,
  SimpleForm,
  TextInput,
  email,
  minValue,
  required,
  useNotify,
  usePermissions,
  useRedirect,
} from 'react-admin';
import { EntitlementsInput, ProductInput, ResellerNameInput } from '../common/ChoiceInputs.tsx';
import { mailNoticeType, mailOutcome, useMailDelivery } from '../mail/delivery.ts';
import type { License } from '../types.ts';

const inAYear = () => new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);

/** The purchase flow: a new login gets a generated password by e-mail. */
export default function LicenseCreate() {
  const { permissions } = usePermissions<string>();
  const notify = useNotify();
  const redirect = useRedirect();
  const delivery = useMailDelivery();
  return (
    <Create
      title="Issue a license"
      mutationOptions={{
        onSuccess: (license: License & { newCustomer: boolean }) => {
          notify(
            license.newCustomer
              ? `License issued. ${license.customer.email} is a new customer. ${mailOutcome(delivery, 'The e-mail with their login', license.customer.email)}`
              : `License issued to the existing login ${license.customer.email}. ${mailOutcome(delivery, 'The e-mail about it', license.customer.email)}`,
            { type: mailNoticeType(delivery), ...(delivery?.configured === false ? { autoHideDuration: 15_000 } : {}) },
          );
          redirect('show', 'licenses', license.id);
        },
      }}
    >
      <SimpleForm defaultValues={{ seats: 1, expiresAt: inAYear() }}>
        <TextInput source="email" type="email" validate={[required(), email()]} helperText="The purchase e-mail: the customer's login" />
        <ProductInput source="product" validate={required()} />
        <EntitlementsInput source="entitlements" productSource="product" />
        <NumberInput source="seats" min={1} step={1} validate={[required(), minValue(1)]} />
        <DateInput source="expiresAt" validate={required()} />
        {permissions === 'VENDOR_ADMIN' && (
          <ResellerNameInput source="reseller" label="Reseller" helperText="Who sells this license, also to an existing customer; leave empty to sell directly" emptyText="— none —" />
        )}
      </SimpleForm>
    </Create>
  );
}
