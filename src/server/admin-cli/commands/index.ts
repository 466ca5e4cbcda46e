// Every edseg-admin command, in the order `edseg-admin --help` lists them.
import type { AdminCommand } from '../command.js';
import { simulate } from './simulate.js';
import { siteList } from './site-list.js';

export const COMMANDS: readonly AdminCommand[] = [siteList, simulate];
