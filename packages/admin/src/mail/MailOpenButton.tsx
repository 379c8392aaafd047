import OpenIcon from '@mui/icons-material/Drafts';
import { Box, Dialog, DialogActions, DialogContent, DialogTitle, Button as MuiButton, Typography } from '@mui/material';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { Button, useDataProvider, useNotify, useRecordContext } from 'react-admin';
import type { OpenedMail, SlotkeeperDataProvider } from '../dataProvider.ts';

/** Opens an outbox message as its recipient reads it (password or code included); the server audits each opening. */
export function MailOpenButton(_props: { label?: unknown }) {
  const message = useRecordContext<{ id: string; to: string }>();
  const dataProvider = useDataProvider<SlotkeeperDataProvider>();
  const notify = useNotify();
  const [opened, setOpened] = useState<OpenedMail | null>(null);
  const open = useMutation({
    mutationFn: (id: string) => dataProvider.openMailMessage(id),
    onSuccess: setOpened,
    onError: (error: Error) => notify(error.message, { type: 'error' }),
  });
  if (!message) return null;
  return (
    <span onClick={(event) => event.stopPropagation()}>
      <Button label="Open" aria-label={`Open the e-mail to ${message.to}`} disabled={open.isPending} onClick={() => open.mutate(message.id)}>
        <OpenIcon />
      </Button>
      <Dialog open={!!opened} onClose={() => setOpened(null)} maxWidth="md" fullWidth aria-labelledby="opened-mail-title">
        <DialogTitle id="opened-mail-title">{opened?.subject}</DialogTitle>
        <DialogContent>
          <Typography variant="body2" color="text.secondary">
            From {opened?.from} to {opened?.mail.to} · {opened?.mail.status.toLowerCase()} · this opening is in the audit log
          </Typography>
          <Box component="pre" data-testid="opened-mail-text" sx={{ whiteSpace: 'pre-wrap', fontFamily: 'monospace', fontSize: 14, mt: 2 }}>
            {opened?.text}
          </Box>
        </DialogContent>
        <DialogActions>
          <MuiButton variant="contained" onClick={() => setOpened(null)}>
            Close
          </MuiButton>
        </DialogActions>
      </Dialog>
    </span>
  );
}
