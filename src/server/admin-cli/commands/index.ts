// Every edseg-admin command, in the order `edseg-admin --help` lists them.
import type { AdminCommand } from '../command.js';
import { keysList, keysRetire, keysRotate } from './keys.js';
import { publish } from './publish.js';
import { siteCreate } from './site-create.js';
import { siteDisable } from './site-disable.js';
import { siteList } from './site-list.js';
import { siteOrigins } from './site-origins.js';
import { userAdd, userList } from './user.js';

export const COMMANDS: readonly AdminCommand[] = [
  siteList,
  siteCreate,
  siteOrigins,
  siteDisable,
  publish,
  keysList,
  keysRotate,
  keysRetire,
  userAdd,
  userList,
];
