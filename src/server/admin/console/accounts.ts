/**
 * The console's accounts page (owners): disable, enable, change the role, draw a new API token
 * (src/server/identity/accounts.ts). A refusal goes back to the page with its message; a new token
 * is shown on the answer itself (never in a URL), this once. Mounted by pages.ts behind the access check.
 */
import { Hono } from 'hono';
import type { Context } from 'hono';
import { refusalOf } from '../../http/refusal.js';
import {
  changeRole,
  disableAccount,
  enableAccount,
  listAccounts,
  rotateToken,
} from '../../identity/accounts.js';
import type { ServerDeps } from '../../runtime/deps.js';
import { accountsPage } from '../views/accounts.js';
import type { Flash } from '../views/layout.js';
import type { PageOf } from './editor-console.js';

/** The /admin/accounts routes. */
export function accountPages(deps: ServerDeps, page: PageOf): Hono {
  const app = new Hono();
  const show = async (c: Context, flash: Flash, token?: { name: string; token: string }) =>
    page(c, 'Accounts', accountsPage(await listAccounts(deps.store), c.get('principal').name, flash, token));
  const back = (c: Context, kind: 'ok' | 'error', message: string) =>
    c.redirect(`/admin/accounts?${kind}=${encodeURIComponent(message)}`, 303);
  /** Runs an owner's action on the account; a refusal goes back with its message. */
  const act = async (c: Context, run: (name: string) => Promise<Response>) => {
    try {
      return await run(c.req.param('name')!);
    } catch (e) {
      const refusal = refusalOf(e);
      if (refusal) return back(c, 'error', refusal.message);
      throw e;
    }
  };
  const said = (name: string, changes: readonly string[]) =>
    `${name}: ${changes.length ? changes.join('; ') : 'no change'}`;

  app.get('/accounts', (c) => {
    const flash: Flash = { ok: c.req.query('ok'), error: c.req.query('error') };
    return show(c, flash);
  });
  app.post('/accounts/:name/disable', (c) =>
    act(c, async (name) => {
      const r = await disableAccount(deps.store, deps.guard.sessions, c.get('principal'), name, deps.now());
      return back(c, 'ok', said(name, r.changes));
    }),
  );
  app.post('/accounts/:name/enable', (c) =>
    act(c, async (name) => {
      const r = await enableAccount(deps.store, c.get('principal'), name, deps.now());
      return back(c, 'ok', said(name, r.changes));
    }),
  );
  app.post('/accounts/:name/role', (c) =>
    act(c, async (name) => {
      const form = await c.req.parseBody();
      const role = typeof form['role'] === 'string' ? form['role'] : '';
      const r = await changeRole(deps.store, c.get('principal'), name, { role }, deps.now());
      return back(c, 'ok', said(name, r.changes));
    }),
  );
  app.post('/accounts/:name/token', (c) =>
    act(c, async (name) => {
      const r = await rotateToken(deps.store, c.get('principal'), name, deps.now());
      return show(c, { ok: `${name}: new API token, the old one stopped` }, { name, token: r.token });
    }),
  );
  return app;
}
