/**
 * The public API under /v1: manifests, keys, the report collector and estimates.
 *
 * Privacy contract of the collector: it reads the request body and nothing else (the manifest route
 * reads the Origin header, or Sec-Fetch-Site, and counts the request per site, hour and page origin
 * for the installation view; nothing per device). The request log
 * (ops/ops.ts) writes the method, route pattern, status and duration only; the user agent is never
 * read, and the client's address is read only to key the in-memory rate limits (http/guard.ts)
 * and to let loopback read /metrics, never stored or logged. /v1 is
 * open to every origin (CORS, no credentials), since the embedding site runs on its own origin.
 */
import { Hono, type Context } from 'hono';
import { cors } from 'hono/cors';
import { dayOf } from '../../core/schema.js';
import type { ReportRefusalReason, ReportsAccepted } from '../../core/schema.js';
import { OTHER_ORIGIN, hourOf } from '../storage/sql/installation.js';
import type { ServerDeps } from '../runtime/deps.js';
import { etagOf, ifNoneMatchHits, limitBody, parseJson } from '../http/body.js';
import { Refusal } from '../http/refusal.js';
import { admissionReason } from '../ops/ops.js';
import { publicEstimatesRoute } from '../estimates/public-estimates.js';
import { admitBatch } from './reports.js';
import { disabledRefusal } from '../sites/sites.js';
import type { ManifestLookup, VersionInfo } from './reports.js';

/** Largest report batch body accepted (100 reports with OUE vectors fit with room to spare). */
export const MAX_BODY_BYTES = 256 * 1024;

/** /v1 is open to every origin, without credentials (createApp applies it before the guard). */
export const collectorCors = cors({
  origin: '*',
  allowMethods: ['GET', 'POST', 'OPTIONS'],
  allowHeaders: ['Content-Type', 'If-None-Match', 'Authorization'],
  exposeHeaders: ['ETag', 'Retry-After'],
  maxAge: 600,
});

/**
 * The page origin of a manifest request, for the installation view: its Origin header (a value that
 * is not an origin counts as OTHER_ORIGIN), or for a same-origin request (which carries none) the
 * request's own origin; null for a request that says neither (not a browser's fetch).
 */
export function pageOrigin(c: Context): string | null {
  const o = c.req.header('origin');
  if (o !== undefined) return URL.canParse(o) && new URL(o).origin === o ? o : OTHER_ORIGIN;
  return c.req.header('sec-fetch-site') === 'same-origin' ? new URL(c.req.url).origin : null;
}

/**
 * The site and reason to count for a refused batch (one per refusal: the report at fault it names),
 * or null when the refusal names no report of a site (an unknown site counts nothing).
 */
export function reportRefusal(
  body: unknown,
  refusal: { status: number; field: string },
): { site: string; reason: ReportRefusalReason } | null {
  const at = /^reports\.(\d+)(?:\.(\w+))?/.exec(refusal.field);
  const reports = (body as { reports?: unknown } | null)?.reports;
  const report = Array.isArray(reports) ? (reports[at ? Number(at[1]) : 0] as { site?: unknown }) : null;
  const site = report?.site;
  if (typeof site !== 'string') return null;
  const field = at?.[2];
  if (refusal.status === 410) return { site, reason: field === 'site' ? 'disabled-site' : 'superseded' };
  if (field === 'site') return null;
  return { site, reason: field === 'manifestVersion' ? 'unknown-version' : 'invalid' };
}

/** The /v1 routes (mounted at /v1 by createApp, whose error handler answers their refusals). */
export function collector(deps: ServerDeps): Hono {
  const { store, signer } = deps;
  const app = new Hono();

  // Published versions never change, nor does the date their successor was published: cached for report checks.
  const versions = new Map<string, VersionInfo>();
  const publishedVersion: ManifestLookup = async (site, version) => {
    // An owner may disable a site at any time: asked once per (site, version) of every batch (one small query).
    const status = await store.siteStatus(site);
    if (!status) return 'unknown-site';
    if (status.disabledAt) return 'disabled-site';
    const key = `${site}\u0000${version}`;
    let info = versions.get(key);
    if (!info) {
      const v = await store.getVersion(site, version);
      if (!v) return null;
      info = { manifest: v.manifest, publishedAt: v.publishedAt, supersededAt: null };
      versions.set(key, info);
    }
    // While the version is current, a batch asks once for a successor (a query that finds no row).
    if (info.supersededAt === null)
      info.supersededAt = (await store.getVersion(site, version + 1))?.publishedAt ?? null;
    return info;
  };

  app.get('/sites/:site/manifest', async (c) => {
    const site = c.req.param('site');
    const current = await store.currentJws(site);
    if (!current) throw new Refusal(404, 'unknown site or nothing published', 'site');
    if (current.disabled) throw disabledRefusal(site, 'site');
    // The installation view's count; a failed count never costs a page its manifest.
    const origin = pageOrigin(c);
    if (origin !== null)
      await store.countManifestRequest(site, origin, hourOf(deps.now().getTime())).catch(() => undefined);
    const etag = etagOf(current.jws);
    // no-store: no cache keeps the answer, so none replays a validator that could tag a device.
    const headers = {
      ETag: etag,
      'Cache-Control': 'no-store',
      'X-Edseg-Manifest-Version': String(current.version),
    };
    if (ifNoneMatchHits(c.req.header('if-none-match'), etag)) return c.body(null, 304, headers);
    return c.body(current.jws, 200, { ...headers, 'Content-Type': 'application/jose' });
  });

  app.get('/keys', async (c) => c.json(await signer.publicJwks(), 200, { 'Cache-Control': 'no-cache' }));

  app.post('/reports', limitBody(MAX_BODY_BYTES), async (c) => {
    // Any content type: navigator.sendBeacon can only send text/plain without a preflight.
    const body = parseJson(await c.req.text());
    const admitted = await admitBatch(body, publishedVersion, deps.now());
    const now = deps.now().getTime();
    if (!admitted.ok) {
      deps.ops.batchRefused(c, admissionReason(admitted));
      const refused = reportRefusal(body, admitted);
      // Counted for the installation view; a failed count never turns the 4xx into a 5xx.
      if (refused)
        await store
          .addInstallCount(refused.site, hourOf(now), 'refused', refused.reason, 1)
          .catch(() => undefined);
      throw new Refusal(admitted.status, admitted.message, admitted.field);
    }
    const { inserted } = await store.insertReports(admitted.reports, dayOf(now), hourOf(now));
    deps.ops.reportsStored(inserted, admitted.reports.length - inserted);
    return c.json(
      { accepted: inserted, duplicates: admitted.reports.length - inserted } satisfies ReportsAccepted,
      202,
    );
  });

  app.get('/sites/:site/estimates', publicEstimatesRoute(deps, deps.estimates));

  return app;
}
