/**
 * The console's installation page of a site (every role reads; the fixes it offers post to the
 * site's existing forms). Mounted by pages.ts behind the access check.
 */
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { ServerDeps } from '../../runtime/deps.js';
import { loadInstallation } from '../../sites/installation.js';
import { installationPage } from '../views/installation.js';
import type { PageOf } from './editor-console.js';

/** The /admin/sites/:site/installation route. */
export function installationPages(deps: ServerDeps, page: PageOf): Hono {
  const app = new Hono();
  app.get('/sites/:site/installation', async (c) => {
    const view = await loadInstallation(deps, c.req.param('site'));
    if (!view) return page(c, 'Not found', html`<h1>No such site</h1>`, 404);
    const keys = await deps.signer.publicJwks();
    return page(
      c,
      `Installation of ${view.site}`,
      installationPage(view, c.get('principal').role, new URL(c.req.url).origin, keys),
    );
  });
  return app;
}
