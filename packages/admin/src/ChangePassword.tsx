import { Card, CardContent } from '@mui/material';
import { useMutation } from '@tanstack/react-query';
import { Form, PasswordInput, SaveButton, Title, Toolbar, required, useDataProvider, useNotify, useRedirect } from 'react-admin';
import { useFeedback } from './common/feedback.ts';
import type { SlotkeeperDataProvider } from './dataProvider.ts';

interface Values {
  currentPassword: string;
  newPassword: string;
  newPasswordRepeat: string;
}

/** The logged-in staff member's own password (their other sessions end). */
export default function ChangePassword() {
  const dataProvider = useDataProvider<SlotkeeperDataProvider>();
  const feedback = useFeedback();
  const notify = useNotify();
  const redirect = useRedirect();
  const change = useMutation({ mutationFn: (values: Values) => dataProvider.changeStaffPassword(values) });
  return (
    <Card sx={{ mt: 2, maxWidth: 480 }}>
      <Title title="Change your password" />
      <CardContent>
        <Form
          onSubmit={(values: Record<string, unknown>) => {
            const v = values as unknown as Values;
            if (v.newPassword !== v.newPasswordRepeat) {
              notify('The new password and its repetition differ.', { type: 'error' });
              return;
            }
            change.mutate(v, feedback('Your password is changed; your other sessions have ended.', () => redirect('/')));
          }}
        >
          <PasswordInput source="currentPassword" label="Current password" validate={required()} fullWidth autoComplete="current-password" />
          <PasswordInput source="newPassword" label="New password" validate={required()} fullWidth autoComplete="new-password" />
          <PasswordInput source="newPasswordRepeat" label="New password again" validate={required()} fullWidth autoComplete="new-password" />
          <Toolbar>
            <SaveButton label="Change password" alwaysEnable />
          </Toolbar>
        </Form>
      </CardContent>
    </Card>
  );
}
