import { Alert, Button, Dialog, DialogActions, DialogContent, DialogTitle, Typography } from '@mui/material';
import { useState } from 'react';

/** A new secret (a webhook signing secret, an API token), shown once: the server never shows it again. */
export function SecretDialog(props: { secret: string | null; title: string; intro: string; testId: string; onClose(): void }) {
  const [copied, setCopied] = useState(false);
  // The Clipboard API exists only on https (or localhost) pages: elsewhere the text is selectable.
  const clipboard = typeof navigator !== 'undefined' ? navigator.clipboard : undefined;
  return (
    <Dialog open={!!props.secret} onClose={props.onClose}>
      <DialogTitle>{props.title}</DialogTitle>
      <DialogContent>
        <Typography gutterBottom>{props.intro}</Typography>
        <Alert severity="info" icon={false} sx={{ fontFamily: 'monospace', fontSize: 15, wordBreak: 'break-all' }} data-testid={props.testId}>
          {props.secret}
        </Alert>
      </DialogContent>
      <DialogActions>
        {clipboard ? (
          <Button onClick={() => clipboard.writeText(props.secret ?? '').then(() => setCopied(true))}>{copied ? 'Copied' : 'Copy'}</Button>
        ) : null}
        <Button variant="contained" onClick={props.onClose}>
          Done
        </Button>
      </DialogActions>
    </Dialog>
  );
}
