import { Alert, Button, Dialog, DialogActions, DialogContent, DialogTitle, Typography } from '@mui/material';

/** A new signing secret, shown once: the server never shows it again. */
export function SecretDialog(props: { secret: string | null; title: string; onClose(): void }) {
  return (
    <Dialog open={!!props.secret} onClose={props.onClose}>
      <DialogTitle>{props.title}</DialogTitle>
      <DialogContent>
        <Typography gutterBottom>Give the receiver this signing secret (Standard Webhooks); it is shown only now:</Typography>
        <Alert severity="info" icon={false} sx={{ fontFamily: 'monospace', fontSize: 15, wordBreak: 'break-all' }} data-testid="webhook-secret">
          {props.secret}
        </Alert>
      </DialogContent>
      <DialogActions>
        <Button variant="contained" onClick={props.onClose}>
          Done
        </Button>
      </DialogActions>
    </Dialog>
  );
}
