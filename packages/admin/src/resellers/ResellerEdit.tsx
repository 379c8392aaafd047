import MergeIcon from '@mui/icons-material/MergeType';
import { Box, Card, Typography } from '@mui/material';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import {
  Edit,
  Form,
  SelectInput,
  SimpleForm,
  TextInput,
  type Identifier,
  maxLength,
  required,
  useDataProvider,
  useGetList,
  useRecordContext,
  useRedirect,
} from 'react-admin';
import { ConfirmButton } from '../common/ConfirmButton.tsx';
import { useFeedback } from '../common/feedback.ts';
import { SaveOnlyToolbar } from '../common/SaveOnlyToolbar.tsx';
import { Section } from '../common/Section.tsx';
import type { SlotkeeperDataProvider } from '../dataProvider.ts';

interface Reseller {
  id: string;
  name: string;
  licenseCount: number;
  staffCount: number;
}

function Title() {
  const reseller = useRecordContext<Reseller>();
  return <>{reseller ? `Reseller ${reseller.name}` : 'Reseller'}</>;
}

/** Folds this reseller into another: for the twins free-text names made ("ACME Corp" beside "ACME"). */
function Merge() {
  const reseller = useRecordContext<Reseller>();
  const dataProvider = useDataProvider<SlotkeeperDataProvider>();
  const feedback = useFeedback();
  const redirect = useRedirect();
  const [targetId, setTargetId] = useState<string>('');
  const { data: others = [] } = useGetList<Reseller>('resellers', { pagination: { page: 1, perPage: 500 }, sort: { field: 'name', order: 'ASC' } });
  const merge = useMutation({ mutationFn: ({ source, target }: { source: Identifier; target: Identifier }) => dataProvider.mergeResellers(source, target) });
  if (!reseller) return null;
  const target = others.find((r) => r.id === targetId);
  return (
    <Section title="Merge into another reseller">
      <Typography variant="body2" color="text.secondary" gutterBottom>
        {reseller.name}'s {reseller.licenseCount} license(s), {reseller.staffCount} staff account(s), webhook endpoints and history move to the
        reseller you pick, and {reseller.name} is deleted. This can't be undone.
      </Typography>
      <Form>
        <Box sx={{ display: 'flex', gap: 2, alignItems: 'center', flexWrap: 'wrap' }}>
          <SelectInput
            source="mergeTarget"
            label="Merge into"
            choices={others.filter((r) => r.id !== reseller.id)}
            optionText="name"
            onChange={(event) => setTargetId(String(event.target.value ?? ''))}
            helperText={false}
          />
          <ConfirmButton
            label="Merge"
            icon={<MergeIcon />}
            color="error"
            disabled={!target}
            title={`Merge ${reseller.name} into ${target?.name ?? '…'}?`}
            content={`Everything of ${reseller.name} moves to ${target?.name ?? 'the other reseller'}; its staff then work in ${target?.name ?? 'it'}. ${reseller.name} is deleted, and this can't be undone.`}
            isPending={merge.isPending}
            onConfirm={() =>
              merge.mutateAsync(
                { source: reseller.id, target: targetId },
                feedback(`${reseller.name} is merged into ${target?.name}.`, () => redirect('edit', 'resellers', targetId)),
              )
            }
          />
        </Box>
      </Form>
    </Section>
  );
}

/** Rename (names are unique whatever their case) and merge. */
export default function ResellerEdit() {
  return (
    <Edit title={<Title />} mutationMode="pessimistic" redirect={false} component="div">
      <Card>
        <SimpleForm toolbar={<SaveOnlyToolbar />}>
          <TextInput source="name" validate={[required(), maxLength(100)]} helperText="Unique whatever its case: “acme” and “ACME” are one reseller" />
        </SimpleForm>
      </Card>
      <Merge />
    </Edit>
  );
}
