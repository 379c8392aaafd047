import { Box } from '@mui/material';

// MUI's visually-hidden style (in @mui/utils, which the dashboard doesn't depend on directly).
const hidden = { border: 0, clip: 'rect(0 0 0 0)', height: '1px', width: '1px', margin: '-1px', overflow: 'hidden', padding: 0, position: 'absolute', whiteSpace: 'nowrap' } as const;

/** The header of a table column of buttons: read by screen readers, not shown. */
export const ACTIONS_HEADER = (
  <Box component="span" sx={hidden}>
    Actions
  </Box>
);
