import { Datagrid, DateField, FunctionField, List, NumberField, SearchInput, SimpleList, TextField, UrlField } from 'react-admin';
import { EmptyList } from '../common/EmptyList.tsx';
import { type SeatPolicy, borrowWords, durationWords, entitlementWords } from '../common/policy.ts';
import { ShowLinkField } from '../common/ShowLinkField.tsx';
import { useSmall } from '../common/useSmall.ts';

const empty = (
  <EmptyList
    title="No product yet"
    hint="Add the plug-in you sell: its code is what the plug-in sends when it activates, and licenses are issued for it."
    create="Add product"
  />
);

type Product = SeatPolicy & { id: string; code: string; name: string };

export default function ProductList() {
  const small = useSmall();
  return (
    <List filters={[<SearchInput key="q" source="q" placeholder="Code or name" alwaysOn />]} sort={{ field: 'code', order: 'ASC' }} exporter={false} empty={empty}>
      {small ? (
        <SimpleList<Product>
          primaryText={(p) => `${p.name} (${p.code})`}
          secondaryText={(p) => `Lease ${durationWords(p.leaseSeconds)} · overage ${p.overagePercent ? `${p.overagePercent} %` : 'none'} · trial ${durationWords(p.trialSeconds)}`}
          tertiaryText={(p) => entitlementWords(p.entitlements)}
          rowClick="edit"
        />
      ) : (
        <Datagrid bulkActionButtons={false} rowClick="edit">
          <ShowLinkField source="code" link="edit" />
          <TextField source="name" />
          <FunctionField<Product> source="leaseSeconds" render={(p) => durationWords(p.leaseSeconds)} />
          <FunctionField<Product> source="maxBorrowSeconds" sortable={false} render={borrowWords} />
          <FunctionField<Product> source="overagePercent" render={(p) => (p.overagePercent ? `${p.overagePercent} %` : 'none')} />
          <FunctionField<Product> source="trialSeconds" render={(p) => durationWords(p.trialSeconds)} />
          <FunctionField<Product> source="entitlements" sortable={false} render={(p) => entitlementWords(p.entitlements)} />
          <NumberField source="remoteReleasesPerYear" />
          <UrlField source="links.website" emptyText="—" sortable={false} target="_blank" rel="noopener" />
          <DateField source="createdAt" />
        </Datagrid>
      )}
    </List>
  );
}
