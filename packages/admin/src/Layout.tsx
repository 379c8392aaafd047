import Brightness4Icon from '@mui/icons-material/Brightness4';
import LanguageIcon from '@mui/icons-material/Language';
import PasswordIcon from '@mui/icons-material/Password';
import { ListItemIcon, ListItemText, MenuItem } from '@mui/material';
import { forwardRef, type ReactNode, useEffect } from 'react';
import {
  AppBar,
  Layout,
  Link,
  LoadingIndicator,
  Logout,
  TitlePortal,
  UserMenu,
  useGetIdentity,
  useLocaleState,
  useLocales,
  useTheme,
  useTranslate,
  useUserMenu,
} from 'react-admin';
import { useSmall } from './common/useSmall.ts';
import { LiveStatusChip } from './dashboard/LiveFeed.tsx';
import { LiveUpdates, useLive } from './live.tsx';
import { MailBanner } from './mail/MailBanner.tsx';
import { SearchBox } from './search/SearchBox.tsx';

const PasswordMenuItem = forwardRef<HTMLAnchorElement>(function PasswordMenuItem(props, ref) {
  const { onClose } = useUserMenu() ?? {};
  const translate = useTranslate();
  return (
    <MenuItem component={Link} to="/password" ref={ref} onClick={onClose} {...props}>
      <ListItemIcon>
        <PasswordIcon fontSize="small" />
      </ListItemIcon>
      <ListItemText>{translate('slotkeeper.menu.change_password')}</ListItemText>
    </MenuItem>
  );
});

/** On a phone the app bar has room for the page's title only if the theme and language switches move into the user menu. */
const ThemeMenuItem = forwardRef<HTMLLIElement>(function ThemeMenuItem(props, ref) {
  const [theme, setTheme] = useTheme();
  const translate = useTranslate();
  return (
    <MenuItem ref={ref} onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')} {...props}>
      <ListItemIcon>
        <Brightness4Icon fontSize="small" />
      </ListItemIcon>
      <ListItemText>{translate('ra.action.toggle_theme')}</ListItemText>
    </MenuItem>
  );
});

const LanguageMenuItem = forwardRef<HTMLLIElement, { locale: string; name: string }>(function LanguageMenuItem({ locale, name, ...props }, ref) {
  const [, setLocale] = useLocaleState();
  const { onClose } = useUserMenu() ?? {};
  return (
    <MenuItem ref={ref} lang={locale} onClick={() => {
        setLocale(locale);
        onClose?.();
      }} {...props}>
      <ListItemIcon>
        <LanguageIcon fontSize="small" />
      </ListItemIcon>
      <ListItemText>{name}</ListItemText>
    </MenuItem>
  );
});

function LiveIndicator() {
  const { status } = useLive();
  return <LiveStatusChip status={status} />;
}

function SlotkeeperAppBar() {
  const { identity } = useGetIdentity();
  const small = useSmall();
  const translate = useTranslate();
  // On wide screens the menu button shows the e-mail: its accessible name must contain that text
  // (WCAG 2.5.3); on phones it is an icon named by the translated "Account".
  const label = small || !identity?.fullName ? 'ra.auth.user_menu' : translate('slotkeeper.menu.account', { email: identity.fullName });
  const [locale] = useLocaleState();
  const others = useLocales().filter((l) => l.locale !== locale);
  return (
    <AppBar
      toolbar={small ? <LoadingIndicator /> : undefined}
      userMenu={
        <UserMenu label={label}>
          <PasswordMenuItem />
          {small && <ThemeMenuItem />}
          {small && others.map((l) => <LanguageMenuItem key={l.locale} locale={l.locale} name={l.name} />)}
          <Logout />
        </UserMenu>
      }
    >
      {/* The page's title is its one h1. */}
      <TitlePortal component="h1" />
      <SearchBox />
      <LiveIndicator />
    </AppBar>
  );
}

/** react-admin's layout, plus the live slot subscription for as long as someone is logged in. */
export function SlotkeeperLayout({ children }: { children: ReactNode }) {
  const [locale] = useLocaleState();
  // Screen readers pronounce the page in the language of <html lang>.
  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);
  return (
    // react-admin's layout and its flex items are at least as wide as their content: on a phone a wide
    // table (a license's machines) would widen the whole page instead of scrolling inside its card.
    <Layout
      appBar={SlotkeeperAppBar}
      sx={(theme) => ({ [theme.breakpoints.down('sm')]: { minWidth: 0, '& .RaLayout-content, & .RaShow-card': { minWidth: 0 } } })}
    >
      <LiveUpdates />
      <MailBanner />
      {children}
    </Layout>
  );
}
