import { type Theme, useMediaQuery } from '@mui/material';

/** Below MUI's `sm` breakpoint (phones): lists show as react-admin's SimpleList, as in its demo. */
export const useSmall = () => useMediaQuery<Theme>((theme) => theme.breakpoints.down('sm'));
