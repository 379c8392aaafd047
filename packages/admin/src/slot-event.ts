// The dashboard's live subscription: its document and the event it receives, a selection of the
// schema's SlotUsageChange (types generated from the SDL: codegen.ts).
import type * as Schema from './generated/schema.ts';

export const SLOT_EVENTS = `subscription { slotUsageChanged {
  licenseId seats seatsUsed change at
  activation { id machineName osUser license { customer { email } product { name } } } } }`;

export type SlotEvent = Pick<Schema.SlotUsageChange, 'licenseId' | 'seats' | 'seatsUsed' | 'change' | 'at'> & {
  activation: Pick<Schema.Activation, 'id' | 'machineName' | 'osUser'> & {
    license: { customer: Pick<Schema.Customer, 'email'>; product: Pick<Schema.Product, 'name'> };
  };
};
