/**
 * The owner's hold on accounts in the JSON API: disable, enable, change the role, rotate the API
 * token (src/server/identity/accounts.ts). Each answers the account as it is now; 404 naming `name`
 * for an unknown account, 409 for one's own (another owner does it), 400 naming `role`.
 */
import { Hono } from 'hono';
import type { AccountChanged, AccountToken } from '../../../core/schema.js';
import { readJson } from '../../http/body.js';
import { changeRole, disableAccount, enableAccount, rotateToken } from '../../identity/accounts.js';
import type { ServerDeps } from '../../runtime/deps.js';

/** POST /accounts/:name/{disable,enable,role,token}, mounted under /admin/api by api.ts. */
export function accountsApi(deps: ServerDeps): Hono {
  const api = new Hono();
  api.post('/accounts/:name/disable', async (c) =>
    c.json(
      (await disableAccount(
        deps.store,
        deps.guard.sessions,
        c.get('principal'),
        c.req.param('name'),
        deps.now(),
      )) satisfies AccountChanged,
    ),
  );
  api.post('/accounts/:name/enable', async (c) =>
    c.json(
      (await enableAccount(
        deps.store,
        c.get('principal'),
        c.req.param('name'),
        deps.now(),
      )) satisfies AccountChanged,
    ),
  );
  api.post('/accounts/:name/role', async (c) =>
    c.json(
      (await changeRole(
        deps.store,
        c.get('principal'),
        c.req.param('name'),
        await readJson(c),
        deps.now(),
      )) satisfies AccountChanged,
    ),
  );
  api.post('/accounts/:name/token', async (c) =>
    c.json(
      (await rotateToken(
        deps.store,
        c.get('principal'),
        c.req.param('name'),
        deps.now(),
      )) satisfies AccountToken,
    ),
  );
  return api;
}
