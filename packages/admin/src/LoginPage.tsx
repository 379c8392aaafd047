import { Box, Typography } from '@mui/material';
import { Login, LoginForm } from 'react-admin';

/** react-admin's login card inside a `main` landmark, with the page's `h1`, for screen readers. */
export function LoginPage() {
  return (
    <Box component="main">
      <Login>
        <Typography variant="h1" sx={{ fontSize: '1.5rem', fontWeight: 500, textAlign: 'center', mt: 1 }}>
          Slotkeeper
        </Typography>
        <LoginForm />
      </Login>
    </Box>
  );
}
