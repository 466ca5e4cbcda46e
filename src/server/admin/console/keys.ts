/**
 * The console's signing-keys page (owners act, every role reads): rotate, and retire with a
 * confirmation (src/server/identity/keys.ts). Mounted by pages.ts behind the access check.
 */
import { Hono } from 'hono';
import type { Context } from 'hono';
import { Refusal } from '../../http/refusal.js';
import { RETIRE_STEPS, keyStatuses, retireSigningKey, rotateSigningKey } from '../../identity/keys.js';
import type { ServerDeps } from '../../runtime/deps.js';
import { actorOf } from '../auth.js';
import { keysPage } from '../views/keys.js';
import type { PageOf } from './editor-console.js';
import { orBack } from './form.js';

/** The /admin/keys routes. */
export function keyPages(deps: ServerDeps, page: PageOf): Hono {
  const app = new Hono();
  const acting = (c: Context) => ({ actor: actorOf(c), now: deps.now() });
  const flashOf = (c: Context) => ({ ok: c.req.query('ok'), error: c.req.query('error') });
  const keysBack = (c: Context, kind: 'ok' | 'error', message: string) =>
    c.redirect(`/admin/keys?${kind}=${encodeURIComponent(message)}`, 303);
  app.get('/keys', async (c) =>
    page(
      c,
      'Signing keys',
      keysPage(await keyStatuses(deps.store, deps.signer, deps.now()), c.get('principal').role, flashOf(c)),
    ),
  );
  app.post('/keys/rotate', (c) =>
    orBack(
      (message) => keysBack(c, 'error', message),
      async () => {
        const { kid, republished } = await rotateSigningKey(deps.store, deps.signer, acting(c));
        return keysBack(
          c,
          'ok',
          `New signing key ${kid}; re-signed ${republished.map((r) => `${r.site} v${r.version}`).join(', ') || 'no site'}. The old key stays in /v1/keys until you retire it: pin the new key in every embedding page, then retire the old one after its "valid until".`,
        );
      },
    ),
  );
  app.post('/keys/:kid/retire', (c) =>
    orBack(
      (message) => keysBack(c, 'error', message),
      async () => {
        const kid = c.req.param('kid');
        const form = await c.req.parseBody();
        if (form['confirm'] !== 'yes')
          throw new Refusal(
            400,
            `Retiring ${kid} needs confirmation: tick "every page pins the new key" (${RETIRE_STEPS})`,
            'confirm',
          );
        await retireSigningKey(deps.store, deps.signer, kid, acting(c));
        return keysBack(c, 'ok', `Key ${kid} retired: it is no longer in /v1/keys.`);
      },
    ),
  );

  return app;
}
