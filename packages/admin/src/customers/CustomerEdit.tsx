import { Alert } from '@mui/material';
import { Edit, SimpleForm, TextInput, email, required, useRecordContext } from 'react-admin';
import { SaveOnlyToolbar } from '../common/SaveOnlyToolbar.tsx';
import type { Customer } from '../types.ts';

function Title() {
  const customer = useRecordContext<Customer>();
  return <>{customer ? `Edit ${customer.email}` : 'Customer'}</>;
}

function Notice() {
  const customer = useRecordContext<Customer>();
  return (
    <Alert severity="info" sx={{ mb: 2 }}>
      The login moves to the new address for every license, whoever sold it; {customer?.email} is told by e-mail. The password, the sessions and
      the activated machines stay as they are.
    </Alert>
  );
}

/** Vendor admins only: a customer's login e-mail (it spans every reseller that sold the customer a license). */
export default function CustomerEdit() {
  return (
    <Edit title={<Title />} mutationMode="pessimistic" redirect="show">
      <SimpleForm toolbar={<SaveOnlyToolbar />}>
        <Notice />
        <TextInput source="email" type="email" label="Login e-mail" validate={[required(), email()]} />
      </SimpleForm>
    </Edit>
  );
}
