/**
 * The admin JSON API under /admin/api/*, behind `Authorization: Bearer <admin token>`.
 * Who did it, for the audit log, is the optional `X-Edseg-Actor` header (a name, not a credential).
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { EdsegError } from '../../core/errors.js';
import type { Manifest, SitePolicy } from '../../core/schema.js';
import { segmentCatalog } from '../catalog.js';
import type { CatalogSegment } from '../catalog.js';
import { buildManifest, describeChanges, publishSite, rotateSigningKey, updatePolicy } from '../publish.js';
import type { ServerDeps } from '../deps.js';
import type { AuditRecord, VersionSummary } from '../storage/store.js';
import { actorName, bearerOf, tokenMatches } from './auth.js';

/** A full manifest with documentation is tens of KB; this leaves room without inviting abuse. */
export const MAX_ADMIN_BODY_BYTES = 1024 * 1024;

export type SiteView = {
  site: { id: string; name: string; origins: string[]; createdAt: string; updatedAt: string };
  current: { version: number; publishedAt: string; publishedBy: string; kid: string; issuedAt: string; expiresAt: string } | null;
  /** the working policy (live once published) and the published one */
  policy: SitePolicy;
  publishedPolicy: SitePolicy | null;
  /** what the next publish would change (empty: nothing but a re-sign) */
  pending: string[];
  segments: CatalogSegment[];
  manifest: Manifest | null;
  versions: VersionSummary[];
  reports: { total: number; currentVersion: number };
};

/** Everything the console shows about one site, or null when it does not exist. */
export async function loadSiteView(deps: ServerDeps, id: string): Promise<SiteView | null> {
  const site = await deps.store.getSite(id);
  if (!site) return null;
  const current = await deps.store.currentVersion(id);
  const next = buildManifest(site, (current?.version ?? 0) + 1, deps.now());
  const pending = current ? describeChanges(current.manifest, next).filter((c) => !c.startsWith('re-signed')) : ['not published yet'];
  return {
    site: { id: site.id, name: site.name, origins: site.origins, createdAt: site.createdAt, updatedAt: site.updatedAt },
    current: current && {
      version: current.version, publishedAt: current.publishedAt, publishedBy: current.publishedBy, kid: current.kid,
      issuedAt: current.manifest.issuedAt, expiresAt: current.manifest.expiresAt,
    },
    policy: site.policy,
    publishedPolicy: current?.manifest.policy ?? null,
    pending,
    segments: segmentCatalog(site.definition, site.policy),
    manifest: current?.manifest ?? null,
    versions: await deps.store.listVersions(id),
    reports: { total: await deps.store.countReports(id), currentVersion: current ? await deps.store.countReports(id, current.version) : 0 },
  };
}

/** The audit log, newest first. */
export function loadAudit(deps: ServerDeps, opts: { site?: string; limit?: number }): Promise<AuditRecord[]> {
  return deps.store.listAudit(opts);
}

/** The /admin/api routes. */
export function adminApi(deps: ServerDeps): Hono {
  const api = new Hono();
  api.use('*', bodyLimit({ maxSize: MAX_ADMIN_BODY_BYTES, onError: (c) => c.json({ error: `body larger than ${MAX_ADMIN_BODY_BYTES} bytes`, field: '(root)' }, 413) }));
  api.use('*', async (c, next) => {
    if (!tokenMatches(bearerOf(c), deps.adminToken)) {
      return c.json({ error: 'admin token required (Authorization: Bearer <token>)' }, 401, { 'WWW-Authenticate': 'Bearer realm="edseg-admin"' });
    }
    c.header('Cache-Control', 'no-store');
    await next();
  });
  const actor = (h: string | undefined) => actorName(h, 'admin (api token)');

  api.get('/sites', async (c) => c.json({ sites: await deps.store.listSites() }));

  api.get('/sites/:site', async (c) => {
    const view = await loadSiteView(deps, c.req.param('site'));
    return view ? c.json(view) : c.json({ error: 'unknown site', field: 'site' }, 404);
  });

  api.put('/sites/:site/policy', async (c) => {
    const site = c.req.param('site');
    if (!(await deps.store.getSite(site))) return c.json({ error: 'unknown site', field: 'site' }, 404);
    const result = await updatePolicy(deps.store, site, await readJson(c.req.raw), { actor: actor(c.req.header('x-edseg-actor')), now: deps.now() });
    return c.json({ ...result, published: false });
  });

  api.post('/sites/:site/publish', async (c) => {
    const site = c.req.param('site');
    if (!(await deps.store.getSite(site))) return c.json({ error: 'unknown site', field: 'site' }, 404);
    const text = await c.req.text();
    const body = text.trim() === '' ? {} : parseJson(text);
    // Either { manifest?, note? } or a bare manifest (recognised by its models).
    const bare = typeof body === 'object' && body !== null && 'models' in body;
    const { manifest, note } = bare ? { manifest: body, note: undefined } : (body as { manifest?: unknown; note?: unknown });
    const published = await publishSite(deps.store, deps.signer, site, {
      actor: actor(c.req.header('x-edseg-actor')), now: deps.now(),
      ...(manifest !== undefined ? { manifest } : {}), ...(typeof note === 'string' && note ? { note: note.slice(0, 500) } : {}),
    });
    return c.json({ site, version: published.version, kid: published.kid, expiresAt: published.manifest.expiresAt, changes: published.changes }, 201);
  });

  api.get('/audit', async (c) => {
    const limit = Number(c.req.query('limit') ?? 200);
    const site = c.req.query('site');
    return c.json({ entries: await loadAudit(deps, { ...(site ? { site } : {}), limit: Number.isFinite(limit) ? limit : 200 }) });
  });

  api.post('/keys/rotate', async (c) => {
    const { kid, republished } = await rotateSigningKey(deps.store, deps.signer, { actor: actor(c.req.header('x-edseg-actor')), now: deps.now() });
    return c.json({ kid, keys: (await deps.signer.publicJwks()).keys, republished: republished.map((r) => ({ site: r.site, version: r.version })) }, 201);
  });

  // Unmatched API paths answer here, in JSON, rather than fall through to the HTML console.
  api.all('*', (c) => c.json({ error: 'not found' }, 404));

  return api;
}

/** Parses JSON or throws the EdsegError the app turns into 400 { error, field: '(root)' }. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new EdsegError('invalid-input', 'the body is not valid JSON', '(root)');
  }
}

async function readJson(req: Request): Promise<unknown> {
  return parseJson(await req.text());
}
