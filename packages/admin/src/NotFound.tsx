import { Button, Card, CardContent, Typography } from '@mui/material';
import { Link, Title, useTranslate } from 'react-admin';

/**
 * Unknown URLs, and the vendor-only pages for a reseller admin (which the API refuses anyway):
 * a readable "not found" with the page's `h1`, instead of a blank page.
 */
export function NotFound() {
  const translate = useTranslate();
  return (
    <Card sx={{ mt: 2 }}>
      <Title title={translate('slotkeeper.not_found.title')} />
      <CardContent>
        <Typography variant="h5" component="h2" gutterBottom>
          {translate('slotkeeper.not_found.title')}
        </Typography>
        <Typography sx={{ mb: 2 }}>
          {translate('slotkeeper.not_found.text')}
        </Typography>
        <Button component={Link} to="/" variant="contained">
          {translate('slotkeeper.not_found.home')}
        </Button>
      </CardContent>
    </Card>
  );
}
