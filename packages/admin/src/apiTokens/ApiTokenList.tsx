import { Datagrid, DateField, FunctionField, List, SearchInput, TextField, useDelete, useRecordContext } from 'react-admin';
import { ConfirmButton } from '../common/ConfirmButton.tsx';
import { CreateOnlyActions } from '../common/CreateOnlyActions.tsx';
import { useFeedback } from '../common/feedback.ts';

interface ApiToken {
  id: string;
  name: string;
  hint: string;
  revokedAt: string | null;
}

function RevokeButton() {
  const token = useRecordContext<ApiToken>();
  const feedback = useFeedback();
  const [revoke, { isPending }] = useDelete();
  if (!token || token.revokedAt) return null;
  return (
    <ConfirmButton
      label="Revoke"
      color="error"
      title={`Revoke "${token.name}"?`}
      content="Requests with this token are refused at once, on every server; whatever uses it stops working. This cannot be undone."
      isPending={isPending}
      onConfirm={() =>
        revoke('apiTokens', { id: token.id, previousData: token }, { ...feedback('Token revoked'), mutationMode: 'pessimistic', returnPromise: true })
      }
    />
  );
}

/** API tokens in scope: a reseller admin sees its own reseller's only. */
export default function ApiTokenList() {
  return (
    <List
      title="API tokens"
      filters={[<SearchInput key="name" source="name" placeholder="Name" alwaysOn />]}
      sort={{ field: 'createdAt', order: 'DESC' }}
      actions={<CreateOnlyActions />}
      exporter={false}
    >
      <Datagrid bulkActionButtons={false} rowClick={false}>
        <TextField source="name" />
        <FunctionField label="Token" sortable={false} render={(t: ApiToken) => `${t.hint}…`} />
        <TextField source="role" sortable={false} />
        <TextField source="reseller.name" label="Reseller" emptyText="—" sortable={false} />
        <TextField source="createdBy.email" label="Created by" emptyText="operator (CLI)" sortable={false} />
        <DateField source="createdAt" showTime />
        <DateField source="lastUsedAt" label="Last used" showTime emptyText="never" />
        <DateField source="revokedAt" label="Revoked" showTime emptyText="—" sortable={false} />
        <RevokeButton />
      </Datagrid>
    </List>
  );
}
