import { Alert, Button, Dialog, DialogActions, DialogContent, DialogTitle, Typography } from '@mui/material';
import { useState } from 'react';
import { Create, FormDataConsumer, PasswordInput, SelectInput, SimpleForm, TextInput, email, required, useNotify, useRedirect } from 'react-admin';
import { ResellerNameInput } from '../common/ChoiceInputs.tsx';
import type { StaffUser } from '../types.ts';
import { ROLES } from './StaffList.tsx';

/** A new dashboard user; a generated password is shown once. */
export default function StaffCreate() {
  const notify = useNotify();
  const redirect = useRedirect();
  const [created, setCreated] = useState<StaffUser | null>(null);
  return (
    <>
      <Create
        title="New staff member"
        mutationOptions={{
          onSuccess: (staff: StaffUser) => {
            if (staff.generatedPassword) setCreated(staff);
            else {
              notify(`${staff.email} can log in now.`, { type: 'success' });
              redirect('list', 'staff');
            }
          },
        }}
      >
        <SimpleForm defaultValues={{ role: 'RESELLER_ADMIN' }}>
          <TextInput source="email" type="email" validate={[required(), email()]} />
          <SelectInput source="role" choices={ROLES} validate={required()} />
          <FormDataConsumer<{ role?: string }>>
            {({ formData }) =>
              formData.role === 'RESELLER_ADMIN' ? (
                <ResellerNameInput source="reseller" validate={required()} helperText="Add a reseller under Resellers first if it is new" />
              ) : null
            }
          </FormDataConsumer>
          <PasswordInput source="password" helperText="Leave empty to generate one" autoComplete="new-password" />
        </SimpleForm>
      </Create>
      <Dialog open={!!created} onClose={() => redirect('list', 'staff')}>
        <DialogTitle>Staff member created</DialogTitle>
        <DialogContent>
          <Typography gutterBottom>
            {created?.email} logs in with this password, shown only now:
          </Typography>
          <Alert severity="info" icon={false} sx={{ fontFamily: 'monospace', fontSize: 18 }} data-testid="generated-password">
            {created?.generatedPassword}
          </Alert>
        </DialogContent>
        <DialogActions>
          <Button variant="contained" onClick={() => redirect('list', 'staff')}>
            Done
          </Button>
        </DialogActions>
      </Dialog>
    </>
  );
}
