import { Box, Card, CardContent, Table, Typography } from '@mui/material';
import type { ReactNode } from 'react';

/**
 * A home-page card holding one table under its title, or `empty` in words when there are no rows. On
 * a phone the table scrolls sideways inside its card instead of being cut off (by keyboard too).
 */
export function TableCard({ title, empty, testId, children }: { title: string; empty: string | null; testId?: string; children: ReactNode }) {
  return (
    <Card>
      <CardContent>
        <Typography variant="h6" component="h2" gutterBottom>
          {title}
        </Typography>
        {empty !== null ? (
          <Typography color="text.secondary">{empty}</Typography>
        ) : (
          <Box sx={{ overflowX: 'auto' }} tabIndex={0} role="region" aria-label={title}>
            <Table size="small" data-testid={testId}>
              {children}
            </Table>
          </Box>
        )}
      </CardContent>
    </Card>
  );
}
