import { builder } from '../builder.ts';
import './scalar.ts';
import './error.ts';
import './license.ts';
import './activation.ts';
import './account.ts';
import './slot.ts';

export const schema = builder.toSchema();
