import BlockIcon from '@mui/icons-material/Block';
import EventIcon from '@mui/icons-material/Event';
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
  Button as MuiButton,
  TextField as MuiTextField,
  Table,
  TableBody,
  TableCell,
  TableHead,
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
import { SeatsBar } from '../common/SeatsBar.tsx';
import { StatusField } from '../common/StatusField.tsx';
import { useFeedback } from '../common/feedback.ts';
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

function Actions() {
  const license = useRecordContext<License>();
  if (!license) return null;
  return (
    <TopToolbar>
      <ChangeSeatsButton license={license} />
      <ExtendExpiryButton license={license} />
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
          </Item>
          <Item label="Valid">
            {day(license.startsAt)} – {day(license.expiresAt)}
          </Item>
          <Item label="Reseller">{license.reseller?.name ?? '— (direct)'}</Item>
        </Box>
      </CardContent>
    </Card>
  );
}

function Machines() {
  return (
    <Card sx={{ mt: 2 }}>
      <CardContent>
        <Typography variant="h6" component="h2" gutterBottom>
          Machines holding a slot
        </Typography>
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
      </CardContent>
    </Card>
  );
}

function History() {
  const license = useRecordContext<License>();
  const { data = [] } = useGetList<AuditEvent>(
    'audit',
    { filter: { subject: `license:${license?.id}` }, sort: { field: 'at', order: 'DESC' }, pagination: { page: 1, perPage: 20 } },
    { enabled: !!license },
  );
  if (!data.length) return null;
  return (
    <Card sx={{ mt: 2 }}>
      <CardContent>
        <Typography variant="h6" component="h2" gutterBottom>
          History
        </Typography>
        <Box sx={WIDE_TABLE}>
          <Table size="small">
            <TableHead>
              <TableRow>
                <TableCell>When</TableCell>
                <TableCell>Who</TableCell>
                <TableCell>What</TableCell>
                <TableCell>Change</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {data.map((event) => (
                <TableRow key={event.id}>
                  <TableCell>{new Date(event.at).toLocaleString()}</TableCell>
                  <TableCell>{event.actor}</TableCell>
                  <TableCell>{event.action}</TableCell>
                  <TableCell sx={{ fontFamily: 'monospace', fontSize: 12, wordBreak: 'break-all' }}>{event.data}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Box>
      </CardContent>
    </Card>
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
