import { type ReactElement, type ReactNode, useState } from 'react';
import { Button, Confirm } from 'react-admin';

interface Props {
  label: string;
  icon?: ReactElement;
  /** Dialog title and text. */
  title: string;
  content: ReactNode;
  confirmLabel?: string;
  color?: 'primary' | 'error' | 'warning';
  disabled?: boolean;
  isPending?: boolean;
  /** Runs after the confirmation; the dialog closes when it settles. */
  onConfirm(): Promise<unknown> | void;
}

/** A button that asks first: every destructive or outward action (e-mails, releases) goes through one. */
export function ConfirmButton(props: Props) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  // Dialogs render in a portal, but React events still bubble to the row: keep row clicks out.
  return (
    <span onClick={(event) => event.stopPropagation()}>
      <Button
        label={props.label}
        color={props.color ?? 'primary'}
        disabled={props.disabled || busy || props.isPending}
        onClick={(event) => {
          event.stopPropagation();
          setOpen(true);
        }}
      >
        {props.icon}
      </Button>
      <Confirm
        isOpen={open}
        loading={busy || props.isPending}
        title={props.title}
        content={props.content}
        confirm={props.confirmLabel ?? props.label}
        confirmColor={props.color === 'error' ? 'warning' : 'primary'}
        onConfirm={async () => {
          setBusy(true);
          try {
            await props.onConfirm();
          } finally {
            setBusy(false);
            setOpen(false);
          }
        }}
        onClose={() => setOpen(false)}
      />
    </span>
  );
}
