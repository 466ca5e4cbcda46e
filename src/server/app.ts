/**
 * The reference server's HTTP app: the public API under /v1 (manifests, keys, the report
 * collector, estimates: ingest/collector.ts), the admin console and API under /admin, the SDK files
 * under /edseg and the demo site under /demo, and /healthz, /readyz and /metrics (ops/ops.ts). Every
 * request is timed and logged first (ops/ops.ts), then passes the guard (http/guard.ts: body
 * limits, parameter checks, rate limits, admin write checks). /edseg/* and /demo/* are compressed
 * (gzip or deflate, as the client accepts) and carry a weak ETag of their content, so a cache
 * revalidates them with a 304 (Cache-Control: no-cache: a rebuilt SDK is picked up at once).
 */
import { Hono } from 'hono';
import type { Context } from 'hono';
import { compress } from 'hono/compress';
import { adminAccess } from './admin/access.js';
import { adminApi } from './admin/api/api.js';
import { SECURITY_HEADERS, adminPages, consoleNotFound } from './admin/console/pages.js';
import { collector, collectorCors } from './ingest/collector.js';
import type { ServerDeps } from './runtime/deps.js';
import { etagOf, ifNoneMatchHits } from './http/body.js';
import { errorHandler } from './http/refusal.js';
import type { Signer } from './identity/keys.js';
import { createLogger } from './ops/log.js';
import type { Logger } from './ops/log.js';
import { createOps } from './ops/ops.js';
import type { Ops } from './ops/ops.js';
import { createGuard } from './http/guard.js';
import type { Guard, GuardOptions } from './http/guard.js';
import { sessionPrincipal } from './admin/auth.js';
import type { EstimatesOptions } from './estimates/public-estimates.js';
import {
  JWK_PLACEHOLDER,
  SDK_CSP,
  SDK_FILES,
  contentType,
  demoCsp,
  jwkForAttribute,
  readStatic,
} from './runtime/static.js';
import type { Store } from './storage/store.js';
import { createScienceJobs } from './science/jobs.js';
import type { ScienceJobs, ScienceLimits } from './science/jobs.js';
import { UPLOAD_PATHS, uploadBytes, uploadTooLarge } from './science/upload-limit.js';

export type AppOptions = {
  store: Store;
  signer: Signer;
  staticDir?: string;
  demoDir?: string;
  adminToken: string;
  now?: () => Date;
  /** the request log and error lines; default: warnings and errors only, on stdout */
  logger?: Logger;
  /** a token that may read /metrics besides the admin token (and loopback); see ops/ops.ts */
  metricsToken?: string;
  /** metrics and readiness shared with the caller (startServer drains them on shutdown); else made here */
  ops?: Ops;
  /** caps on fits and trainings (science/jobs.ts; EDSEG_SCIENCE_*), or the jobs themselves (startServer stops them on close) */
  science?: Partial<ScienceLimits> | ScienceJobs;
  /** false: no /demo/ route at all (edseg-server --no-demo), and / leads to the console */
  demo?: boolean;
} & GuardOptions &
  EstimatesOptions;

/** Builds the Hono app over the given store and signer. */
export function createApp(opts: AppOptions): Hono {
  const ops =
    opts.ops ??
    createOps({
      logger: opts.logger ?? createLogger({ level: 'warn' }),
      adminToken: opts.adminToken,
      ping: () => opts.store.ping(),
      ...(opts.metricsToken ? { metricsToken: opts.metricsToken } : {}),
    });
  const now = opts.now ?? (() => new Date());
  const science =
    opts.science && 'run' in opts.science
      ? opts.science
      : createScienceJobs(opts.science as Partial<ScienceLimits> | undefined);
  // The console's fit and train forms take an upload up to science.limits.maxUploadMB; every other form 64 KB.
  const uploads = {
    maxBytes: uploadBytes(science.limits.maxUploadMB),
    paths: UPLOAD_PATHS,
    tooLarge: async (c: Context, max: number) => {
      const res = await uploadTooLarge(c, max);
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.headers.set(k, v);
      return res;
    },
    allowed: async (c: Context, guard: Guard) => (await sessionPrincipal(c, guard, now())) !== null,
  };
  const deps: ServerDeps = {
    store: opts.store,
    signer: opts.signer,
    adminToken: opts.adminToken,
    guard: createGuard(opts, opts.store, opts.adminToken, uploads),
    now,
    ops,
    estimates: opts,
    science,
    ...(opts.staticDir ? { staticDir: opts.staticDir } : {}),
    ...(opts.demoDir ? { demoDir: opts.demoDir } : {}),
  };
  const { signer } = deps;
  const app = new Hono();

  app.onError(errorHandler(ops.log));
  app.notFound((c) =>
    c.req.path.startsWith('/v1/') || c.req.path.startsWith('/admin/api/')
      ? c.json({ error: 'not found' }, 404)
      : c.req.path.startsWith('/admin/')
        ? consoleNotFound(c)
        : c.text('Not found', 404),
  );

  // Timing and the request log first, so they see every answer, the guard's refusals included.
  app.use('*', ops.middleware);
  // CORS next, so that the guard's 413/429 answers to another origin's page can be read there too.
  app.use('/v1/*', collectorCors);
  app.use('*', ...deps.guard.middleware);
  app.use('/edseg/*', compress());
  app.use('/demo/*', compress());
  // Who may do what under /admin: one table, one middleware (admin/access.ts), deny by default.
  // ('/admin/*' matches /admin itself too.)
  app.use(
    '/admin/*',
    adminAccess(deps, () => app.routes),
  );

  app.route('/', ops.routes);
  app.route('/v1', collector(deps));
  app.route('/admin/api', adminApi(deps));
  app.route('/admin', adminPages(deps));

  app.get('/edseg/:file', async (c) => {
    const file = c.req.param('file');
    const found = deps.staticDir && SDK_FILES.has(file) ? await readStatic(deps.staticDir, file) : null;
    if (!found)
      return c.text(`Not found (build the SDK into ${deps.staticDir ?? 'dist/'} with npm run build)`, 404);
    return withEtag(c, new Uint8Array(found.body), {
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
    if (!type.startsWith('text/html')) return withEtag(c, new Uint8Array(found.body), headers);
    const jwk = jwkForAttribute(await signer.currentPublicJwk());
    const html = found.body.toString('utf8').replaceAll(JWK_PLACEHOLDER, jwk);
    return withEtag(c, html, { ...headers, 'Content-Security-Policy': demoCsp(html) });
  });

  return app;
}

/**
 * A static answer with a weak ETag of its content (weak: the compressed and the plain answer are the
 * same content in two encodings), or 304 with the same headers when If-None-Match holds it.
 */
function withEtag(
  c: Context,
  body: string | Uint8Array<ArrayBuffer>,
  headers: Record<string, string>,
): Response {
  const tag = etagOf(body);
  const all = { ...headers, ETag: `W/${tag}`, Vary: 'Accept-Encoding' };
  if (ifNoneMatchHits(c.req.header('if-none-match'), tag)) return c.body(null, 304, all);
  return typeof body === 'string' ? c.body(body, 200, all) : c.body(body, 200, all);
}
