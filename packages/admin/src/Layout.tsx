import PasswordIcon from '@mui/icons-material/Password';
import { ListItemIcon, ListItemText, MenuItem } from '@mui/material';
import { forwardRef, type ReactNode } from 'react';
import { AppBar, Layout, Link, Logout, TitlePortal, UserMenu, useGetIdentity, useUserMenu } from 'react-admin';
import { useSmall } from './common/useSmall.ts';
import { LiveStatusChip } from './dashboard/LiveFeed.tsx';
import { LiveUpdates, useLive } from './live.tsx';

const PasswordMenuItem = forwardRef<HTMLAnchorElement>(function PasswordMenuItem(props, ref) {
  const { onClose } = useUserMenu() ?? {};
  return (
    <MenuItem component={Link} to="/password" ref={ref} onClick={onClose} {...props}>
      <ListItemIcon>
        <PasswordIcon fontSize="small" />
      </ListItemIcon>
      <ListItemText>Change password</ListItemText>
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
  // On wide screens the menu button shows the e-mail: its accessible name must contain that text
  // (WCAG 2.5.3); on phones it is an icon named by the translated "Account".
  const label = small || !identity?.fullName ? 'ra.auth.user_menu' : `Account: ${identity.fullName}`;
  return (
    <AppBar
      userMenu={
        <UserMenu label={label}>
          <PasswordMenuItem />
          <Logout />
        </UserMenu>
      }
    >
      {/* The page's title is its one h1. */}
      <TitlePortal component="h1" />
      <LiveIndicator />
    </AppBar>
  );
}

/** react-admin's layout, plus the live slot subscription for as long as someone is logged in. */
export function SlotkeeperLayout({ children }: { children: ReactNode }) {
  return (
    // react-admin's layout and its flex items are at least as wide as their content: on a phone a wide
    // table (a license's machines) would widen the whole page instead of scrolling inside its card.
    <Layout
      appBar={SlotkeeperAppBar}
      sx={(theme) => ({ [theme.breakpoints.down('sm')]: { minWidth: 0, '& .RaLayout-content, & .RaShow-card': { minWidth: 0 } } })}
    >
      <LiveUpdates />
      {children}
    </Layout>
  );
}
