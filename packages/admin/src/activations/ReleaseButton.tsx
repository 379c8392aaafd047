import ReleaseIcon from '@mui/icons-material/LinkOff';
import { TextField, Typography } from '@mui/material';
import { type ReactNode, useState } from 'react';
import { useDelete, useRecordContext } from 'react-admin';
import { ConfirmButton } from '../common/ConfirmButton.tsx';
import { useFeedback } from '../common/feedback.ts';
import type { Activation } from '../types.ts';

/** Frees a live machine's slot (ADMIN_RELEASE), after a confirmation with an optional reason. */
export function ReleaseButton(_props: { label?: ReactNode }) {
  const record = useRecordContext<Activation>();
  const [release, { isPending }] = useDelete<Activation>(undefined, undefined, { returnPromise: true });
  const feedback = useFeedback();
  const [note, setNote] = useState('');
  if (!record || record.releasedAt) return null;
  return (
    <ConfirmButton
      label="Release"
      icon={<ReleaseIcon />}
      color="error"
      title={`Release ${record.machineName}?`}
      content={
        <>
          <Typography sx={{ mb: 2 }}>
            The slot held by {record.machineName} ({record.osUser}) becomes free for another machine. That machine has to activate
            again; an offline token it already holds stays valid until it expires.
          </Typography>
          <TextField label="Reason (kept in the audit log)" value={note} onChange={(e) => setNote(e.target.value)} fullWidth size="small" />
        </>
      }
      isPending={isPending}
      onConfirm={() =>
        release('activations', { id: record.id, previousData: record, meta: { note } }, feedback(`${record.machineName}'s slot is released.`))
      }
    />
  );
}
