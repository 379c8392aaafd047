import { BooleanInput, Datagrid, DateField, FunctionField, Link, List, SimpleList, TextField, TextInput } from 'react-admin';
import { EmptyList } from '../common/EmptyList.tsx';
import { useSmall } from '../common/useSmall.ts';

const empty = <EmptyList title="No trial yet" hint="A product with a trial length gives each machine one trial (startTrial); the e-mail given is a lead." />;

interface Trial {
  id: string;
  email: string | null;
  machineName: string;
  osUser: string;
  expiresAt: string;
  product: { code: string; name: string };
  license: { id: string; customer: { email: string } } | null;
}

/** Trials with their leads; a purchase by the lead's e-mail shows as its license. */
const expiry = (t: Trial) => `${new Date(t.expiresAt).toLocaleString()}${Date.parse(t.expiresAt) <= Date.now() ? ' (ended)' : ''}`;
const purchase = (t: Trial) => (t.license ? <Link to={`/licenses/${t.license.id}/show`}>License of {t.license.customer.email}</Link> : 'not yet');

export default function TrialList() {
  const small = useSmall();
  return (
    <List
      filters={[
        <TextInput key="email" source="email" label="Lead e-mail" alwaysOn />,
        <TextInput key="product" source="product" label="Product code" />,
        <BooleanInput key="converted" source="converted" label="Bought" />,
      ]}
      sort={{ field: 'startedAt', order: 'DESC' }}
      exporter={false}
      empty={empty}
    >
      {small ? (
        <SimpleList<Trial>
          primaryText={(t) => `${t.machineName} (${t.osUser})`}
          secondaryText={(t) => `${t.product.name} · ${t.email ?? 'no lead'} · until ${expiry(t)}`}
          tertiaryText={(t) => (t.license ? 'bought' : '')}
          rowClick={(_id, _resource, t) => (t.license ? `/licenses/${t.license.id}/show` : false)}
        />
      ) : (
        <Datagrid bulkActionButtons={false} rowClick={false}>
          <FunctionField<Trial> label="Product" sortable={false} render={(t) => `${t.product.name} (${t.product.code})`} />
          <TextField source="email" label="Lead" emptyText="— (none given)" />
          <FunctionField<Trial> source="machineName" label="Machine" render={(t) => `${t.machineName} (${t.osUser})`} />
          <DateField source="startedAt" showTime />
          <FunctionField<Trial> source="expiresAt" label="Expires" render={expiry} />
          <FunctionField<Trial> label="Purchase" sortable={false} render={purchase} />
        </Datagrid>
      )}
    </List>
  );
}
