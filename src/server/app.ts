/**
 * The reference server's HTTP app: the public API under /v1 (manifests, keys, the report
 * collector, estimates), the admin console and API under /admin, the SDK files under /edseg and
 * the demo site under /demo.
 *
 * Privacy contract of the collector: it reads the request body and nothing else. No middleware
 * logs requests; the user agent is never read, and the client's address is read only to key the
 * in-memory rate limits (security/guard.ts), never stored or logged. /v1 is open to every origin
 * (CORS, no credentials), since the embedding site runs on its own origin.
 */
import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import { EdsegError } from '../core/errors.js';
import { dayOf } from '../core/schema.js';
import type { Manifest, ReportsAccepted } from '../core/schema.js';
import { adminApi, parseJson } from './admin/api.js';
import { adminPages } from './admin/pages.js';
import type { ServerDeps } from './deps.js';
import { loadEstimates } from './estimates.js';
import { createGuard } from './security/guard.js';
import type { GuardOptions } from './security/guard.js';
import { escapeForLog } from './security/log.js';
import { inputErrorOf } from './security/params.js';
import type { Signer } from './keys.js';
import { admitBatch } from './reports.js';
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

/** Largest report batch body accepted (100 reports with OUE vectors fit with room to spare). */
export const MAX_BODY_BYTES = 256 * 1024;

export type AppOptions = {
  store: Store;
  signer: Signer;
  staticDir?: string;
  demoDir?: string;
  adminToken: string;
  now?: () => Date;
} & GuardOptions;

/** A strong ETag for a body: a quoted SHA-256 prefix. */
function etagOf(body: string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

/** Whether If-None-Match matches an ETag (weak comparison, RFC 9110 §13.1.2; `*` matches). */
function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .includes(etag);
}

/** Builds the Hono app over the given store and signer. */
export function createApp(opts: AppOptions): Hono {
  const deps: ServerDeps = {
    store: opts.store,
    signer: opts.signer,
    adminToken: opts.adminToken,
    guard: createGuard(opts),
    now: opts.now ?? (() => new Date()),
    ...(opts.staticDir ? { staticDir: opts.staticDir } : {}),
    ...(opts.demoDir ? { demoDir: opts.demoDir } : {}),
  };
  const { store, signer } = deps;
  const app = new Hono();

  // Published versions never change, so (site, version) -> manifest is cached for report checks.
  const versions = new Map<string, Manifest>();
  const publishedManifest = async (
    site: string,
    version: number,
  ): Promise<Manifest | null | 'unknown-site'> => {
    const key = `${site}\u0000${version}`;
    const hit = versions.get(key);
    if (hit) return hit;
    const v = await store.getVersion(site, version);
    if (v) {
      versions.set(key, v.manifest);
      return v.manifest;
    }
    return (await store.getSite(site)) ? null : 'unknown-site';
  };

  app.onError((raw, c) => {
    // A data exception from the database (a value the checks let through) is input that fails its check too.
    const err = inputErrorOf(raw) ?? raw;
    // A refusal names the field at fault: 400 for input that fails its check, 404 for what does not exist.
    if (err instanceof EdsegError && (err.code === 'invalid-input' || err.code === 'not-found')) {
      return c.json(
        { error: err.message, field: err.field ?? '(root)' },
        err.code === 'invalid-input' ? 400 : 404,
      );
    }
    if (err instanceof HTTPException) return err.getResponse();
    // The message only: a stack or the request would not help a caller and could leak.
    console.error(
      `edseg-server: ${c.req.method} ${escapeForLog(`${c.req.path} failed: ${err instanceof Error ? err.message : String(err)}`)}`,
    );
    return c.json({ error: 'internal error' }, 500);
  });
  app.notFound((c) =>
    c.req.path.startsWith('/v1/') || c.req.path.startsWith('/admin/api/')
      ? c.json({ error: 'not found' }, 404)
      : c.text('Not found', 404),
  );

  app.use(
    '/v1/*',
    cors({
      origin: '*',
      allowMethods: ['GET', 'POST', 'OPTIONS'],
      allowHeaders: ['Content-Type', 'If-None-Match'],
      exposeHeaders: ['ETag'],
      maxAge: 600,
    }),
  );
  // Body limits, parameter checks, rate limits and admin write checks (security/guard.ts), after CORS so a 429 carries it.
  app.use('*', ...deps.guard.middleware);

  app.get('/v1/sites/:site/manifest', async (c) => {
    const current = await store.currentJws(c.req.param('site'));
    if (!current) return c.json({ error: 'unknown site or nothing published', field: 'site' }, 404);
    const etag = etagOf(current.jws);
    const headers = {
      ETag: etag,
      'Cache-Control': 'no-cache',
      'X-Edseg-Manifest-Version': String(current.version),
    };
    if (ifNoneMatchHits(c.req.header('if-none-match'), etag)) return c.body(null, 304, headers);
    return c.body(current.jws, 200, { ...headers, 'Content-Type': 'application/jose' });
  });

  app.get('/v1/keys', async (c) => c.json(await signer.publicJwks(), 200, { 'Cache-Control': 'no-cache' }));

  app.post(
    '/v1/reports',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => c.json({ error: `body larger than ${MAX_BODY_BYTES} bytes`, field: '(root)' }, 413),
    }),
    async (c) => {
      // Any content type: navigator.sendBeacon can only send text/plain without a preflight.
      const admitted = await admitBatch(parseJson(await c.req.text()), publishedManifest);
      if (!admitted.ok) return c.json({ error: admitted.message, field: admitted.field }, 400);
      const { inserted } = await store.insertReports(admitted.reports, dayOf(deps.now().getTime()));
      return c.json(
        { accepted: inserted, duplicates: admitted.reports.length - inserted } satisfies ReportsAccepted,
        202,
      );
    },
  );

  app.get('/v1/sites/:site/estimates', async (c) => {
    const q = c.req.query('version');
    const version = q === undefined ? undefined : Number(q);
    if (version !== undefined && (!Number.isInteger(version) || version < 1))
      return c.json({ error: 'version must be a positive integer', field: 'version' }, 400);
    // loadEstimates throws EdsegError('not-found') naming site or version: 404 through onError.
    return c.json(await loadEstimates(deps, c.req.param('site'), version), 200, {
      'Cache-Control': 'no-cache',
    });
  });

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
