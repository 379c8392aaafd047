import { Box, Card, CardContent, List, ListItemButton, ListItemText, TextField, Typography } from '@mui/material';
import { useState } from 'react';
import { Link, Title, useGetList, useGetOne } from 'react-admin';
import { useNavigate, useSearchParams } from 'react-router-dom';
import type { Activation, Customer, License } from '../types.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PAGE = { page: 1, perPage: 10 };

function Section({ title, total, children }: { title: string; total: number | undefined; children: React.ReactNode }) {
  return (
    <Card>
      <CardContent>
        <Typography variant="h6" component="h2">
          {title} {total !== undefined && <Typography component="span" color="text.secondary">({total})</Typography>}
        </Typography>
        {total === 0 ? <Typography color="text.secondary">Nothing found.</Typography> : <List dense component="div">{children}</List>}
      </CardContent>
    </Card>
  );
}

const Item = ({ to, primary, secondary }: { to: string; primary: string; secondary?: string }) => (
  <ListItemButton component={Link} to={to}>
    <ListItemText primary={primary} secondary={secondary} />
  </ListItemButton>
);

/** One search over the records support looks things up by: customers and licenses by e-mail, machines by name or user, a license by id. */
export default function SearchPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const q = params.get('q')?.trim() ?? '';
  const [typed, setTyped] = useState(q);
  const enabled = q.length > 0;
  const customers = useGetList<Customer>('customers', { filter: { q }, pagination: PAGE, sort: { field: 'email', order: 'ASC' } }, { enabled });
  const licenses = useGetList<License>('licenses', { filter: { customerEmail: q }, pagination: PAGE, sort: { field: 'expiresAt', order: 'DESC' } }, { enabled });
  const machines = useGetList<Activation>('activations', { filter: { q, live: true }, pagination: PAGE, sort: { field: 'activatedAt', order: 'DESC' } }, { enabled });
  const byId = useGetOne<License>('licenses', { id: q }, { enabled: UUID.test(q), retry: false });
  return (
    <Box sx={{ mt: 2, display: 'flex', flexDirection: 'column', gap: 2 }}>
      <Title title={q ? `Search: ${q}` : 'Search'} />
      <Box component="form" role="search" onSubmit={(e) => (e.preventDefault(), navigate(`/search?q=${encodeURIComponent(typed.trim())}`))}>
        <TextField label="E-mail, machine or user name, license id" value={typed} onChange={(e) => setTyped(e.target.value)} fullWidth size="small" />
      </Box>
      {enabled && (
        <>
          {byId.data && (
            <Section title="License" total={1}>
              <Item to={`/licenses/${byId.data.id}/show`} primary={`${byId.data.customer.email} · ${byId.data.product.name}`} secondary={`${byId.data.seatsUsed} / ${byId.data.seats} seats`} />
            </Section>
          )}
          <Section title="Customers" total={customers.total}>
            {customers.data?.map((c) => <Item key={c.id} to={`/customers/${c.id}/show`} primary={c.email} secondary={`${c.licenseCount} license(s)`} />)}
          </Section>
          <Section title="Licenses" total={licenses.total}>
            {licenses.data?.map((l) => (
              <Item key={l.id} to={`/licenses/${l.id}/show`} primary={`${l.customer.email} · ${l.product.name}`} secondary={`${l.seatsUsed} / ${l.seats} seats, expires ${new Date(l.expiresAt).toLocaleDateString()}`} />
            ))}
          </Section>
          <Section title="Machines holding a slot" total={machines.total}>
            {machines.data?.map((a) => (
              <Item key={a.id} to={`/licenses/${a.license.id}/show`} primary={`${a.machineName} (${a.osUser})`} secondary={`${a.license.customer.email} · ${a.license.product.name}`} />
            ))}
          </Section>
        </>
      )}
    </Box>
  );
}
