import { Box, Typography } from '@mui/material';
import { CreateButton } from 'react-admin';

/** A list with no record yet: what it is for and, when records are made here, the button that creates the first one. */
export function EmptyList({ title, hint, create }: { title: string; hint: string; create?: string }) {
  return (
    <Box sx={{ textAlign: 'center', m: 6, flex: 1 }}>
      <Typography variant="h5" component="h2" color="text.secondary" gutterBottom>
        {title}
      </Typography>
      <Typography color="text.secondary" sx={{ mb: 2 }}>
        {hint}
      </Typography>
      {create ? <CreateButton label={create} variant="contained" /> : null}
    </Box>
  );
}
