// Every edseg-admin command, in the order `edseg-admin --help` lists them.
import type { AdminCommand } from '../command.js';
import { drift } from './drift.js';
import { fit } from './fit.js';
import { siteList } from './site-list.js';
import { train } from './train.js';

export const COMMANDS: readonly AdminCommand[] = [siteList, fit, train, drift];
