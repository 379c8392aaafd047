import { type RaThemeOptions, defaultDarkTheme, defaultTheme } from 'react-admin';

// react-admin's loading spinners (the app bar's refetch indicator, list placeholders) are
// progressbars; without a name a screen reader announces an unnamed one (axe: aria-progressbar-name).
const components = { MuiCircularProgress: { defaultProps: { 'aria-label': 'Loading' } } };

export const lightTheme: RaThemeOptions = {
  ...defaultTheme,
  // MUI's default orange gives white text and text buttons a contrast of 2.9:1; this one 5:1 (WCAG AA).
  palette: { ...defaultTheme.palette, primary: { main: '#1e4f8a' }, secondary: { main: '#1e4f8a' }, warning: { main: '#b45309' } },
  components: { ...defaultTheme.components, ...components },
};

/** react-admin's dark theme (its toggle in the app bar), with the light theme's fixes. */
export const darkTheme: RaThemeOptions = {
  ...defaultDarkTheme,
  // MUI's dark red (#f44336) as text on a dark card is 4.1:1 (the Revoke button); this one 7:1.
  palette: { ...defaultDarkTheme.palette, error: { main: '#ff8a80' } },
  components: { ...defaultDarkTheme.components, ...components },
};
