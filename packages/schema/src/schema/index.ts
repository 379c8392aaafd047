import { builder } from '../builder.ts';
import './scalar.ts';
import './error.ts';
import './license.ts';
import './activation.ts';
import './account.ts';
import './connection.ts';
import './staff.ts';
import './customer.ts';
import './audit.ts';
import './mail.ts';
import './license-admin.ts';
import './slot.ts';
import './webhook.ts';

export const schema = builder.toSchema();
