import { Box, Card, CardContent, Typography } from '@mui/material';
import { NumberInput, SelectInput, TextInput, maxValue, minValue, regex, required, useRecordContext } from 'react-admin';
import { type SeatPolicy, borrowWords, durationText, entitlementWords, leaseWords, overageWords, revivalWords, trialWords, validDuration } from '../common/policy.ts';

const url = regex(/^https?:\/\/\S+$/, 'An http(s):// address');
const featureCodes = regex(/^[a-z0-9._\-,\s]*$/, 'Lower-case feature codes (letters, digits, ".", "_", "-"), separated by commas');

const TOKEN_ALGS = [
  { id: 'EdDSA', name: 'EdDSA (Ed25519)' },
  { id: 'RS256', name: 'RS256 (RSA, for .NET plug-ins)' },
];

// A duration input shows "30m" for the stored 1800 and keeps the text typed as it is; dataProvider.ts reads it back.
const asDuration = (value: unknown) => (typeof value === 'number' ? durationText(value) : ((value as string | null | undefined) ?? ''));
const asCodes = (value: unknown) => (Array.isArray(value) ? value.join(', ') : ((value as string | null | undefined) ?? ''));
const asTyped = (value: string) => value;

function DurationInput({ source, helperText }: { source: string; helperText: string }) {
  return <TextInput source={source} format={asDuration} parse={asTyped} validate={validDuration} helperText={helperText} />;
}

/**
 * A product's settings, shared by the create and edit forms: one line per setting (with its limits
 * beside it). A new setting is one line here and one in dataProvider.ts' PRODUCT_SETTINGS.
 */
export function ProductInputs() {
  return (
    <>
      <TextInput source="name" validate={[required()]} />
      <DurationInput source="leaseSeconds" helperText="30m, 12h, 7d or none: a slot whose token expires unrenewed frees its seat; none: tokens last until the license expires" />
      <DurationInput source="maxBorrowSeconds" helperText="How long a machine may borrow a seat offline (activate --borrow); none: no borrowing" />
      <DurationInput source="revivalWindowSeconds" helperText="How long after a lapsed lease the same machine may come back into a free seat; none: while the license lives" />
      <NumberInput source="overagePercent" min={0} max={1000} validate={[minValue(0), maxValue(1000)]} helperText="0–1000: a license may hold this much over its seats (rounded up); 0: no overage" />
      <DurationInput source="trialSeconds" helperText="One trial per machine, ever (startTrial); none: no trial" />
      <TextInput source="entitlements" format={asCodes} parse={asTyped} validate={featureCodes} helperText="Feature codes, comma-separated (ifc-export, batch); new licenses get all of them" />
      <NumberInput source="remoteReleasesPerYear" min={0} max={1000} validate={[minValue(0), maxValue(1000)]} helperText="0–1000 releases from the license manager per license in any 365 days" />
      <SelectInput source="tokenAlg" choices={TOKEN_ALGS} helperText="How offline tokens are signed; a change applies to tokens issued from now on" />
      <TextInput source="links.website" validate={url} />
      <TextInput source="links.documentation" validate={url} />
      <TextInput source="links.support" validate={url} />
      <TextInput source="links.purchase" validate={url} />
    </>
  );
}

/** The saved product's seat policy in words, above its edit form. */
export function PolicySummary() {
  const product = useRecordContext<SeatPolicy & { id: string }>();
  if (!product) return null;
  const rows: [string, string][] = [
    ['Lease', leaseWords(product)],
    ['Max borrow', borrowWords(product)],
    ['Revival', revivalWords(product)],
    ['Overage', overageWords(product)],
    ['Trial', trialWords(product)],
    ['Entitlements', entitlementWords(product.entitlements)],
  ];
  return (
    <Card variant="outlined" sx={{ mb: 2, width: '100%' }} data-testid="seat-policy">
      <CardContent>
        <Typography variant="h6" component="h2" gutterBottom>
          Seat policy
        </Typography>
        <Box component="dl" sx={{ display: 'grid', gridTemplateColumns: 'max-content 1fr', columnGap: 2, rowGap: 0.5, m: 0 }}>
          {rows.map(([label, value]) => (
            <Box key={label} sx={{ display: 'contents' }}>
              <Typography component="dt" variant="body2" color="text.secondary">
                {label}
              </Typography>
              <Typography component="dd" variant="body2" sx={{ m: 0 }}>
                {value}
              </Typography>
            </Box>
          ))}
        </Box>
      </CardContent>
    </Card>
  );
}
