// Every edseg-admin command, in the order `edseg-admin --help` lists them.
import type { AdminCommand } from '../command.js';
import { drift } from './drift.js';
import { fit } from './fit.js';
import { keysList, keysRetire, keysRotate } from './keys.js';
import { publish } from './publish.js';
import { siteCreate } from './site-create.js';
import { siteDisable } from './site-disable.js';
import { siteList } from './site-list.js';
import { simulate } from './simulate.js';
import { siteOrigins } from './site-origins.js';
import { train } from './train.js';
import { userAdd, userDisable, userEnable, userList, userRole, userToken } from './user.js';

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
  userDisable,
  userEnable,
  userRole,
  userToken,
  fit,
  train,
  drift,
  simulate,
];
