import { Card, CardContent, Typography } from '@mui/material';

/** One figure of the home page's top row; `alert` shows it in red with its hint (something to act on). */
export function Figure({ label, value, testId, hint, alert }: { label: string; value: number | null; testId: string; hint?: string; alert?: boolean }) {
  return (
    <Card sx={{ flex: 1, minWidth: 160 }}>
      <CardContent>
        <Typography variant="body2" color="text.secondary">
          {label}
        </Typography>
        <Typography variant="h4" component="p" data-testid={testId} color={alert ? 'error' : undefined}>
          {value ?? '…'}
        </Typography>
        {hint && alert ? (
          <Typography variant="caption" color="text.secondary">
            {hint}
          </Typography>
        ) : null}
      </CardContent>
    </Card>
  );
}
