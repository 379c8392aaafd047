import PasswordIcon from '@mui/icons-material/Password';
import { ListItemIcon, ListItemText, MenuItem } from '@mui/material';
import { forwardRef, type ReactNode } from 'react';
import { AppBar, Layout, Link, Logout, TitlePortal, UserMenu, useUserMenu } from 'react-admin';
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

const SlotkeeperAppBar = () => (
  <AppBar
    userMenu={
      <UserMenu>
        <PasswordMenuItem />
        <Logout />
      </UserMenu>
    }
  >
    <TitlePortal />
    <LiveIndicator />
  </AppBar>
);

/** react-admin's layout, plus the live slot subscription for as long as someone is logged in. */
export function SlotkeeperLayout({ children }: { children: ReactNode }) {
  return (
    <Layout appBar={SlotkeeperAppBar}>
      <LiveUpdates />
      {children}
    </Layout>
  );
}
