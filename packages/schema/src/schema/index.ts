import { builder } from '../builder.ts';
import './scalar.ts';
import './error.ts';
import './connection.ts';
import './product.ts';
import './license.ts';
import './activation.ts';
import './seat-usage.ts';
import './account.ts';
import './staff.ts';
import './customer.ts';
import './audit.ts';
import './mail.ts';
import './slot.ts';
import './webhook.ts';

export const schema = builder.toSchema();
