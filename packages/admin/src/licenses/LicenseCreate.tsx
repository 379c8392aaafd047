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
import { ProductInput, ResellerNameInput } from '../common/ChoiceInputs.tsx';
import type { License } from '../types.ts';

const inAYear = () => new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);

/** The purchase flow: a new login gets a generated password by e-mail. */
export default function LicenseCreate() {
  const { permissions } = usePermissions<string>();
  const notify = useNotify();
  const redirect = useRedirect();
  return (
    <Create
      title="Issue a license"
      mutationOptions={{
        onSuccess: (license: License & { newCustomer: boolean }) => {
          notify(
            license.newCustomer
              ? `License issued. ${license.customer.email} is a new customer: the e-mail with their login is on its way.`
              : `License issued to the existing login ${license.customer.email}; they were told by e-mail.`,
            { type: 'success' },
          );
          redirect('show', 'licenses', license.id);
        },
      }}
    >
      <SimpleForm defaultValues={{ seats: 1, expiresAt: inAYear() }}>
        <TextInput source="email" type="email" validate={[required(), email()]} helperText="The purchase e-mail: the customer's login" />
        <ProductInput source="product" validate={required()} />
        <NumberInput source="seats" min={1} step={1} validate={[required(), minValue(1)]} />
        <DateInput source="expiresAt" validate={required()} />
        {permissions === 'VENDOR_ADMIN' && (
          <ResellerNameInput source="reseller" label="Reseller" helperText="Who sells this license, also to an existing customer; leave empty to sell directly" emptyText="— none —" />
        )}
      </SimpleForm>
    </Create>
  );
}
