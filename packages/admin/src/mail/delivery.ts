import { useQuery } from '@tanstack/react-query';
import { useDataProvider } from 'react-admin';
import type { MailDelivery, SlotkeeperDataProvider } from '../dataProvider.ts';

/** Whether e-mail leaves the server (`mailDelivery`); refetched with every refresh, so the held count follows. */
export function useMailDelivery(): MailDelivery | undefined {
  const dataProvider = useDataProvider<SlotkeeperDataProvider>();
  return useQuery({ queryKey: ['mailDelivery'], queryFn: () => dataProvider.mailDelivery(), staleTime: 10_000 }).data;
}

/**
 * What a confirmation says about an e-mail it caused: sent, or held in the outbox for want of SMTP.
 * `what` names the message ("The e-mail with their login"), `to` its recipient. Unknown delivery
 * (not loaded yet) says "queued", never "on its way".
 */
export function mailOutcome(delivery: MailDelivery | undefined, what: string, to: string): string {
  if (!delivery) return `${what} to ${to} is queued in the outbox.`;
  if (delivery.configured) return `${what} is on its way to ${to}.`;
  return delivery.held === null
    ? `${what} to ${to} was NOT sent: e-mail is not configured on this server, so it is held in the outbox. Ask the vendor to open it there and pass it on.`
    : `${what} to ${to} was NOT sent: e-mail is not configured on this server, so it is held in the outbox (Mail outbox → Open).`;
}

/** The notification's kind for such a confirmation: a held e-mail is a warning. */
export const mailNoticeType = (delivery: MailDelivery | undefined) => (delivery?.configured === false ? 'warning' : 'success');
