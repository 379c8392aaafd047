import BlockIcon from '@mui/icons-material/Block';
import EventIcon from '@mui/icons-material/Event';
import FeatureIcon from '@mui/icons-material/ToggleOn';
import PauseIcon from '@mui/icons-material/PauseCircleOutline';
import PlayIcon from '@mui/icons-material/PlayCircleOutline';
import SeatIcon from '@mui/icons-material/EventSeat';
import {
  Alert,
  Box,
  Card,
  CardContent,
  Checkbox,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  FormControlLabel,
  FormGroup,
  Link as MuiLink,
  Button as MuiButton,
  TextField as MuiTextField,
  Table,
  TableBody,
  TableCell,
  TableRow,
  Typography,
} from '@mui/material';
import { type ReactNode, useState } from 'react';
import {
  Button,
  Datagrid,
  DateField,
  Link,
  ReferenceManyField,
  Show,
  TextField,
  TopToolbar,
  useGetList,
  useGetManyReference,
  useRecordContext,
  useUpdate,
} from 'react-admin';
import { ReleaseButton } from '../activations/ReleaseButton.tsx';
import { ACTIONS_HEADER } from '../common/ActionsHeader.tsx';
import { ConfirmButton } from '../common/ConfirmButton.tsx';
import { deniedWords, entitlementWords } from '../common/policy.ts';
import { SeatsBar } from '../common/SeatsBar.tsx';
import { Section } from '../common/Section.tsx';
import { StatusField } from '../common/StatusField.tsx';
import { TableHeader } from '../common/TableHeader.tsx';
import { useFeedback } from '../common/feedback.ts';
import { actionTitle, describeChange } from '../audit/describe.ts';
import type { Activation, AuditEvent, License } from '../types.ts';

const day = (iso: string) => new Date(iso).toLocaleDateString();

// A table wider than a phone scrolls inside its card, not the whole page.
const WIDE_TABLE = { overflowX: 'auto', maxWidth: '100%' } as const;

/** A refused change was shown by the mutation's onError; the dialog stays open to correct it. */
const ignoreShownError = () => undefined;

function Title() {
  const license = useRecordContext<License>();
  return <>{license ? `License of ${license.customer.email}` : 'License'}</>;
}

type LicenseChange = Partial<License> & { releaseActivationIds?: string[] };

/**
 * One edit of a license through react-admin's `useUpdate` (one mutation on the API, applied whole
 * or not at all); `then` runs only when it succeeded, e.g. to close its dialog.
 */
function useLicenseUpdate() {
  const [update, { isPending }] = useUpdate<License>(undefined, undefined, { returnPromise: true });
  const feedback = useFeedback();
  const change = (license: License, data: LicenseChange, success: string, then?: () => void) =>
    update('licenses', { id: license.id, data, previousData: license }, feedback(success, then));
  return { change, isPending };
}

function StatusActions({ license }: { license: License }) {
  const { change, isPending } = useLicenseUpdate();
  if (license.status === 'REVOKED') return null;
  return (
    <>
      {license.status === 'ACTIVE' ? (
        <ConfirmButton
          label="Suspend"
          icon={<PauseIcon />}
          color="warning"
          title="Suspend this license?"
          content="Its machines can't activate or renew a token until you resume it. Tokens already issued stay valid offline until they expire."
          isPending={isPending}
          onConfirm={() => change(license, { status: 'SUSPENDED' }, 'The license is suspended.')}
        />
      ) : (
        <ConfirmButton
          label="Resume"
          icon={<PlayIcon />}
          title="Resume this license?"
          content="Its machines can activate and renew again."
          isPending={isPending}
          onConfirm={() => change(license, { status: 'ACTIVE' }, 'The license is active again.')}
        />
      )}
      <ConfirmButton
        label="Revoke"
        icon={<BlockIcon />}
        color="error"
        title="Revoke this license for good?"
        content="A revoked license can't be resumed: no machine can activate or renew with it again. Consider suspending it instead."
        isPending={isPending}
        onConfirm={() => change(license, { status: 'REVOKED' }, 'The license is revoked.')}
      />
    </>
  );
}

function ChangeSeatsButton({ license }: { license: License }) {
  const { change, isPending } = useLicenseUpdate();
  const [open, setOpen] = useState(false);
  const [seats, setSeats] = useState(String(license.seats));
  const [release, setRelease] = useState<string[]>([]);
  const { data: live = [] } = useGetManyReference<Activation>(
    'activations',
    { target: 'licenseId', id: license.id, filter: { live: true }, pagination: { page: 1, perPage: 500 }, sort: { field: 'activatedAt', order: 'ASC' } },
    { enabled: open },
  );
  const wanted = Number(seats);
  const valid = Number.isInteger(wanted) && wanted >= 1;
  const mustRelease = valid ? Math.max(0, license.seatsUsed - wanted) : 0;
  const close = () => {
    setOpen(false);
    setRelease([]);
  };
  return (
    <>
      <Button label="Change seats" onClick={() => (setSeats(String(license.seats)), setOpen(true))} disabled={license.status === 'REVOKED'}>
        <SeatIcon />
      </Button>
      <Dialog open={open} onClose={close} fullWidth maxWidth="xs">
        <DialogTitle>Change seats</DialogTitle>
        <DialogContent>
          <Typography variant="body2" sx={{ mb: 2 }}>
            {license.seatsUsed} of {license.seats} seats are in use.
          </Typography>
          <MuiTextField
            label="Seats"
            type="number"
            value={seats}
            onChange={(e) => setSeats(e.target.value)}
            slotProps={{ htmlInput: { min: 1, step: 1 } }}
            error={!valid}
            helperText={valid ? ' ' : 'At least 1'}
            fullWidth
            autoFocus
          />
          {mustRelease > 0 && (
            <>
              <Alert severity="warning" sx={{ my: 1 }}>
                That is fewer than the seats in use: choose at least {mustRelease} machine(s) to release in the same change.
              </Alert>
              <FormGroup>
                {live.map((a) => (
                  <FormControlLabel
                    key={a.id}
                    label={`${a.machineName} (${a.osUser}), since ${day(a.activatedAt)}`}
                    control={
                      <Checkbox
                        checked={release.includes(a.id)}
                        onChange={(e) => setRelease(e.target.checked ? [...release, a.id] : release.filter((id) => id !== a.id))}
                      />
                    }
                  />
                ))}
              </FormGroup>
            </>
          )}
        </DialogContent>
        <DialogActions>
          <MuiButton onClick={close}>Cancel</MuiButton>
          <MuiButton
            variant="contained"
            disabled={!valid || wanted === license.seats || release.length < mustRelease || isPending}
            onClick={() =>
              change(
                license,
                { seats: wanted, releaseActivationIds: mustRelease > 0 ? release : [] },
                `The license has ${wanted} seat(s) now.`,
                close,
              ).catch(ignoreShownError)
            }
          >
            Save
          </MuiButton>
        </DialogActions>
      </Dialog>
    </>
  );
}

function ExtendExpiryButton({ license }: { license: License }) {
  const { change, isPending } = useLicenseUpdate();
  const [open, setOpen] = useState(false);
  const [date, setDate] = useState('');
  const current = license.expiresAt.slice(0, 10);
  return (
    <>
      <Button label="Extend expiry" onClick={() => (setDate(current), setOpen(true))} disabled={license.status === 'REVOKED'}>
        <EventIcon />
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)} fullWidth maxWidth="xs">
        <DialogTitle>Change the expiry</DialogTitle>
        <DialogContent>
          <Typography variant="body2" sx={{ mb: 2 }}>
            Now valid until {day(license.expiresAt)}. Machines get the new expiry with their next token.
          </Typography>
          <MuiTextField
            label="Valid until (end of day, UTC)"
            type="date"
            value={date}
            onChange={(e) => setDate(e.target.value)}
            fullWidth
            slotProps={{ inputLabel: { shrink: true } }}
          />
        </DialogContent>
        <DialogActions>
          <MuiButton onClick={() => setOpen(false)}>Cancel</MuiButton>
          <MuiButton
            variant="contained"
            disabled={!date || date === current || isPending}
            onClick={() => change(license, { expiresAt: date }, `The license is valid until ${date}.`, () => setOpen(false)).catch(ignoreShownError)}
          >
            Save
          </MuiButton>
        </DialogActions>
      </Dialog>
    </>
  );
}

function EntitlementsButton({ license }: { license: License }) {
  const { change, isPending } = useLicenseUpdate();
  const [open, setOpen] = useState(false);
  const [chosen, setChosen] = useState<string[]>([]);
  const offered = license.product.entitlements;
  if (offered.length === 0) return null;
  const toggle = (code: string) => setChosen((now) => (now.includes(code) ? now.filter((c) => c !== code) : [...now, code]));
  return (
    <>
      <Button label="Entitlements" onClick={() => (setChosen(license.entitlements), setOpen(true))} disabled={license.status === 'REVOKED'}>
        <FeatureIcon />
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)} fullWidth maxWidth="xs">
        <DialogTitle>Entitlements</DialogTitle>
        <DialogContent>
          <Typography variant="body2" sx={{ mb: 1 }}>
            The features of {license.product.name} this license grants. Machines get the change with their next token.
          </Typography>
          <FormGroup>
            {offered.map((code) => (
              <FormControlLabel key={code} label={code} control={<Checkbox checked={chosen.includes(code)} onChange={() => toggle(code)} />} />
            ))}
          </FormGroup>
        </DialogContent>
        <DialogActions>
          <MuiButton onClick={() => setOpen(false)}>Cancel</MuiButton>
          <MuiButton
            variant="contained"
            disabled={isPending}
            onClick={() => change(license, { entitlements: chosen }, 'The entitlements are saved.', () => setOpen(false)).catch(ignoreShownError)}
          >
            Save
          </MuiButton>
        </DialogActions>
      </Dialog>
    </>
  );
}

function Actions() {
  const license = useRecordContext<License>();
  if (!license) return null;
  return (
    <TopToolbar>
      <ChangeSeatsButton license={license} />
      <ExtendExpiryButton license={license} />
      <EntitlementsButton license={license} />
      <StatusActions license={license} />
    </TopToolbar>
  );
}

function Item({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Box>
      <Typography variant="caption" color="text.secondary" component="div">
        {label}
      </Typography>
      <Box sx={{ mt: 0.5 }}>{children}</Box>
    </Box>
  );
}

function Details() {
  const license = useRecordContext<License>();
  if (!license) return null;
  return (
    <Card>
      <CardContent>
        <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', md: 'repeat(3, 1fr)' }, gap: 3 }}>
          <Item label="Customer">
            <Link to={`/customers/${license.customer.id}/show`}>{license.customer.email}</Link>
          </Item>
          <Item label="Product">
            {license.product.name} <Typography component="span" color="text.secondary">({license.product.code})</Typography>
          </Item>
          <Item label="Status">
            <StatusField />
          </Item>
          <Item label="Seats in use">
            <SeatsBar used={license.seatsUsed} total={license.seats} wide />
            {license.overSeats > 0 && (
              <Alert severity="warning" sx={{ mt: 1, py: 0 }} data-testid="overage">
                {license.overSeats} machine(s) over its {license.seats} seat(s), within {license.product.name}'s {license.product.overagePercent} % overage.
              </Alert>
            )}
            {license.pendingSeats != null && (
              <Typography variant="body2" color="warning.main">
                Goes down to {license.pendingSeats} seat(s) at the next renewal: the subscription's quantity fell below the machines in use.
              </Typography>
            )}
          </Item>
          <Item label="Valid">
            {day(license.startsAt)} – {day(license.expiresAt)}
          </Item>
          <Item label="Reseller">{license.reseller?.name ?? '— (direct)'}</Item>
          {license.purchase && (
            <Item label="Purchase">
              <MuiLink href={license.purchase.url} target="_blank" rel="noopener noreferrer">
                {license.purchase.subscriptionId ? `Subscription ${license.purchase.subscriptionId}` : `Order ${license.purchase.orderId}`}
              </MuiLink>{' '}
              <Typography component="span" color="text.secondary">
                ({license.purchase.shop === 'stripe' ? 'Stripe' : license.purchase.shop}
                {license.purchase.livemode ? '' : ', test mode'}
                {license.purchase.endedAt ? `, ended ${day(license.purchase.endedAt)}` : ''})
              </Typography>
            </Item>
          )}
          <Item label="Entitlements">
            <span data-testid="entitlements">{entitlementWords(license.entitlements)}</span>
            {license.product.entitlements.length > license.entitlements.length && (
              <Typography variant="body2" color="text.secondary">
                Of {entitlementWords(license.product.entitlements)}
              </Typography>
            )}
          </Item>
          <Item label="Denied activations">
            <Typography variant="body2" data-testid="denied" sx={license.deniedLast30Days > 0 ? { fontWeight: 500 } : undefined}>
              {deniedWords(license.deniedLast30Days)}
            </Typography>
            {license.deniedLast30Days > 0 && (
              <Typography variant="body2" color="text.secondary">
                Machines asked for a seat and found none free: more seats would have been used.
              </Typography>
            )}
          </Item>
        </Box>
      </CardContent>
    </Card>
  );
}

function Machines() {
  return (
    <Section title="Machines holding a slot">
      <ReferenceManyField
        reference="activations"
        target="licenseId"
        filter={{ live: true }}
        sort={{ field: 'activatedAt', order: 'ASC' }}
        perPage={100}
      >
        <Datagrid
          bulkActionButtons={false}
          rowClick={false}
          empty={<Typography color="text.secondary">No machine holds a slot.</Typography>}
          sx={WIDE_TABLE}
        >
          <TextField source="machineName" />
          <TextField source="osUser" />
          <DateField source="activatedAt" showTime />
          <DateField source="lastSeenAt" showTime />
          <ReleaseButton label={ACTIONS_HEADER} />
        </Datagrid>
      </ReferenceManyField>
    </Section>
  );
}

function History() {
  const license = useRecordContext<License>();
  const { data = [] } = useGetList<AuditEvent>(
    'audit',
    { filter: { licenseId: license?.id }, sort: { field: 'at', order: 'DESC' }, pagination: { page: 1, perPage: 20 } },
    { enabled: !!license },
  );
  if (!data.length) return null;
  return (
    <Section title="History">
      <Box sx={WIDE_TABLE}>
        <Table size="small">
          <TableHeader columns={['When', 'Who', 'What', 'Change']} />
          <TableBody>
            {data.map((event) => (
              <TableRow key={event.id}>
                <TableCell>{new Date(event.at).toLocaleString()}</TableCell>
                <TableCell>{event.actor}</TableCell>
                <TableCell>{actionTitle(event.action)}</TableCell>
                <TableCell>{describeChange(event.action, event.data)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Box>
    </Section>
  );
}

export default function LicenseShow() {
  return (
    <Show title={<Title />} actions={<Actions />} component="div">
      <Details />
      <Machines />
      <History />
    </Show>
  );
}
