/**
 * The reference server's HTTP app: the public API under /v1 (manifests, keys, the report
 * collector, estimates: collector.ts), the admin console and API under /admin, the SDK files
 * under /edseg and the demo site under /demo. Every request first passes the guard
 * (security/guard.ts: body limits, parameter checks, rate limits, admin write checks).
 */
import { Hono } from 'hono';
import { adminAccess } from './admin/access.js';
import { adminApi } from './admin/api.js';
import { adminPages } from './admin/pages.js';
import { collector, collectorCors } from './collector.js';
import type { ServerDeps } from './deps.js';
import { errorResponse } from './http.js';
import type { Signer } from './keys.js';
import { createGuard } from './security/guard.js';
import type { GuardOptions } from './security/guard.js';
import type { EstimatesOptions } from './public-estimates.js';
import {
  JWK_PLACEHOLDER,
  SDK_CSP,
  SDK_FILES,
  contentType,
  demoCsp,
  jwkForAttribute,
  readStatic,
} from './static.js';
import type { Store } from './storage/store.js';

export type AppOptions = {
  store: Store;
  signer: Signer;
  staticDir?: string;
  demoDir?: string;
  adminToken: string;
  now?: () => Date;
  /** false: no /demo/ route at all (edseg-server --no-demo), and / leads to the console */
  demo?: boolean;
} & GuardOptions &
  EstimatesOptions;

/** Builds the Hono app over the given store and signer. */
export function createApp(opts: AppOptions): Hono {
  const deps: ServerDeps = {
    store: opts.store,
    signer: opts.signer,
    adminToken: opts.adminToken,
    guard: createGuard(opts),
    now: opts.now ?? (() => new Date()),
    estimates: opts,
    ...(opts.staticDir ? { staticDir: opts.staticDir } : {}),
    ...(opts.demoDir ? { demoDir: opts.demoDir } : {}),
  };
  const { signer } = deps;
  const app = new Hono();

  app.onError(errorResponse);
  app.notFound((c) =>
    c.req.path.startsWith('/v1/') || c.req.path.startsWith('/admin/api/')
      ? c.json({ error: 'not found' }, 404)
      : c.text('Not found', 404),
  );

  // CORS first, so that the guard's 413/429 answers to another origin's page can be read there too.
  app.use('/v1/*', collectorCors);
  app.use('*', ...deps.guard.middleware);
  // Who may do what under /admin: one table, one middleware (admin/access.ts), deny by default.
  app.use(
    '/admin',
    adminAccess(deps, () => app.routes),
  );
  app.use(
    '/admin/*',
    adminAccess(deps, () => app.routes),
  );

  app.route('/v1', collector(deps));
  app.route('/admin/api', adminApi(deps));
  app.route('/admin', adminPages(deps));

  app.get('/edseg/:file', async (c) => {
    const file = c.req.param('file');
    const found = deps.staticDir && SDK_FILES.has(file) ? await readStatic(deps.staticDir, file) : null;
    if (!found)
      return c.text(`Not found (build the SDK into ${deps.staticDir ?? 'dist/'} with npm run build)`, 404);
    return c.body(new Uint8Array(found.body), 200, {
      'Content-Type': contentType(file),
      'Cross-Origin-Resource-Policy': 'cross-origin',
      // module scripts (edseg.mjs) loaded from another origin need CORS
      'Access-Control-Allow-Origin': '*',
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
      // Governs the worker's own context: no eval or new Function in the SDK (zod runs jitless).
      'Content-Security-Policy': SDK_CSP,
    });
  });

  if (opts.demo === false) {
    app.get('/', (c) => c.redirect('/admin', 302));
    return app;
  }
  app.get('/', (c) => c.redirect('/demo/', 302));
  app.get('/demo', (c) => c.redirect('/demo/', 301));
  app.get('/demo/*', async (c) => {
    const rel = c.req.path.slice('/demo/'.length);
    const found = deps.demoDir ? await readStatic(deps.demoDir, rel) : null;
    if (!found) return c.text('Not found', 404);
    const type = contentType(found.path);
    const headers = {
      'Content-Type': type,
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
    };
    if (!type.startsWith('text/html')) return c.body(new Uint8Array(found.body), 200, headers);
    const jwk = jwkForAttribute(await signer.currentPublicJwk());
    const html = found.body.toString('utf8').replaceAll(JWK_PLACEHOLDER, jwk);
    return c.body(html, 200, { ...headers, 'Content-Security-Policy': demoCsp(html) });
  });

  return app;
}
