import { useState } from 'react';
import { Create, FormDataConsumer, SelectInput, SimpleForm, TextInput, maxLength, required, usePermissions, useRedirect } from 'react-admin';
import { ResellerNameInput } from '../common/ChoiceInputs.tsx';
import { SecretDialog } from '../common/SecretDialog.tsx';
import { ROLES } from '../staff/StaffList.tsx';

/** A new API token; the token itself is shown once. Reseller admins make their own reseller's only. */
export default function ApiTokenCreate() {
  const redirect = useRedirect();
  const { permissions } = usePermissions<string>();
  const [token, setToken] = useState<string | null>(null);
  const vendor = permissions === 'VENDOR_ADMIN';
  return (
    <>
      <Create title="New API token" mutationOptions={{ onSuccess: (created: { id: string; token: string }) => setToken(created.token) }}>
        <SimpleForm defaultValues={{ role: 'RESELLER_ADMIN' }}>
          <TextInput source="name" validate={[required(), maxLength(100)]} helperText="What uses it, e.g. CRM sync" />
          {vendor ? (
            <>
              <SelectInput source="role" choices={ROLES} validate={required()} helperText="It acts on the API as a staff member of this role" />
              <FormDataConsumer<{ role?: string }>>
                {({ formData }) => (formData.role === 'RESELLER_ADMIN' ? <ResellerNameInput source="reseller" validate={required()} /> : null)}
              </FormDataConsumer>
            </>
          ) : null}
        </SimpleForm>
      </Create>
      <SecretDialog
        secret={token}
        title="API token created"
        intro="Send it as Authorization: Bearer <token>. It is shown only now; only its hash is stored:"
        testId="api-token"
        onClose={() => redirect('list', 'apiTokens')}
      />
    </>
  );
}
