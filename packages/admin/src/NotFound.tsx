import { Button, Card, CardContent, Typography } from '@mui/material';
import { Link, Title } from 'react-admin';

/**
 * Unknown URLs, and the vendor-only pages for a reseller admin (which the API refuses anyway):
 * a readable "not found" with the page's `h1`, instead of a blank page.
 */
export function NotFound() {
  return (
    <Card sx={{ mt: 2 }}>
      <Title title="Not found" />
      <CardContent>
        <Typography variant="h5" component="h2" gutterBottom>
          Not found
        </Typography>
        <Typography sx={{ mb: 2 }}>
          Either you typed a wrong URL, or you followed a bad link — or this page is for vendor admins only.
        </Typography>
        <Button component={Link} to="/" variant="contained">
          Go to the home page
        </Button>
      </CardContent>
    </Card>
  );
}
