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
  /** The mutation's own pending state (react-admin / react-query), shown on both buttons. */
  isPending: boolean;
  /** Starts the mutation after the confirmation; the dialog closes when its promise settles. */
  onConfirm(): Promise<unknown>;
}

/** A button that asks first: every destructive or outward action (e-mails, releases) goes through one. */
export function ConfirmButton(props: Props) {
  const [open, setOpen] = useState(false);
  // Dialogs render in a portal, but React events still bubble to the row: keep row clicks out.
  return (
    <span onClick={(event) => event.stopPropagation()}>
      <Button
        label={props.label}
        color={props.color ?? 'primary'}
        disabled={props.disabled || props.isPending}
        onClick={(event) => {
          event.stopPropagation();
          setOpen(true);
        }}
      >
        {props.icon}
      </Button>
      <Confirm
        isOpen={open}
        loading={props.isPending}
        title={props.title}
        content={props.content}
        confirm={props.confirmLabel ?? props.label}
        confirmColor={props.color === 'error' ? 'warning' : 'primary'}
        onConfirm={() =>
          props
            .onConfirm()
            // The mutation's onError has already told the user why.
            .catch(() => undefined)
            .finally(() => setOpen(false))
        }
        onClose={() => setOpen(false)}
      />
    </span>
  );
}
