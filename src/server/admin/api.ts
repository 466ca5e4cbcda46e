/**
 * The admin JSON API under /admin/api/*, behind `Authorization: Bearer <admin token>`.
 * Who did it, for the audit log, is the optional `X-Edseg-Actor` header (a name, not a credential).
 */
import { Hono } from 'hono';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { EdsegError } from '../../core/errors.js';
import { applyRefinement, proposeRefinement } from '../../core/refine.js';
import {
  PublishInput,
  RefineParams,
  RefinementPublishInput,
  check,
  parseOrThrow,
} from '../../core/schema.js';
import type {
  AuditLog,
  KeysRotated,
  Manifest,
  PolicyUpdated,
  Published,
  RefinementProposal,
  RefinementPublished,
  SiteDefinition,
  SiteList,
  SiteView,
} from '../../core/schema.js';
import { segmentCatalog } from '../catalog.js';
import {
  buildManifest,
  describeChanges,
  publishSite,
  rotateSigningKey,
  same,
  updatePolicy,
} from '../publish.js';
import type { ServerDeps } from '../deps.js';
import { estimateVersion } from '../estimates.js';
import type { Store } from '../storage/store.js';
import { actorName, bearerOf, tokenMatches } from './auth.js';

// The response shapes of this API are schema.ts's; SiteView is re-exported for the tests.
export type { SiteView } from '../../core/schema.js';

/** A full manifest with documentation is tens of KB; this leaves room without inviting abuse. */
export const MAX_ADMIN_BODY_BYTES = 1024 * 1024;

/** Everything the console shows about one site, or null when it does not exist. */
export async function loadSiteView(deps: ServerDeps, id: string): Promise<SiteView | null> {
  const site = await deps.store.getSite(id);
  if (!site) return null;
  const current = await deps.store.currentVersion(id);
  const next = buildManifest(site, (current?.version ?? 0) + 1, deps.now());
  const pending = current ? describeChanges(current.manifest, next) : ['not published yet'];
  const reports = await deps.store.reportCounts(id, current?.version ?? null);
  return {
    site: {
      id: site.id,
      name: site.name,
      origins: site.origins,
      createdAt: site.createdAt,
      updatedAt: site.updatedAt,
    },
    current: current && {
      version: current.version,
      publishedAt: current.publishedAt,
      publishedBy: current.publishedBy,
      kid: current.kid,
      issuedAt: current.manifest.issuedAt,
      expiresAt: current.manifest.expiresAt,
    },
    policy: site.policy,
    publishedPolicy: current?.manifest.policy ?? null,
    pending,
    segments: segmentCatalog(site.definition, site.policy),
    manifest: current?.manifest ?? null,
    versions: await deps.store.listVersions(id),
    reports: { total: reports.total, currentVersion: reports.ofVersion },
  };
}

/**
 * The refinement proposal for a site's current version, from that version's reports
 * (src/core/refine.ts), or null when the site does not exist or has published nothing.
 * `opts` are checked first (refineOptionsOf), so this reads and estimates once.
 */
export async function loadRefinement(
  deps: ServerDeps,
  site: string,
  opts: RefineParams = {},
): Promise<RefinementProposal | null> {
  const current = await deps.store.currentVersion(site);
  if (!current) return null;
  return proposeRefinement(current.manifest, await estimateVersion(deps.store, current, deps.now()), opts);
}

/** The 404 for a site without a current version: it does not exist, or has published nothing (only this refusal reads the site). */
async function unpublished(store: Store, site: string): Promise<EdsegError> {
  return new EdsegError(
    'not-found',
    (await store.getSite(site)) ? 'nothing published yet' : 'unknown site',
    'site',
  );
}

/** publishRefinement's result: the 201 body, or the 409 the route answers (an internal union, not a wire shape). */
type RefinementOutcome =
  { ok: true; published: RefinementPublished } | { ok: false; status: 409; error: string; field?: string };

/**
 * Publishes the refined centroids of a site's current version as the next signed version, in one
 * transaction with the site row locked: the proposal is recomputed from the reports stored at that
 * moment (so what is signed is what those reports say), published through publishSite (version,
 * signature, its 'publish' audit entry), and a 'refine' audit entry records the models, the
 * reports and each centroid's movement.
 *
 * Contracts:
 * - EdsegError('not-found') naming `site` (404) when the site does not exist or has published nothing;
 * - 409, nothing written, when `version` is given and is not the current one, or when no chosen
 *   model has a centroid that moves (every segment skipped, or already at its target);
 * - EdsegError naming `models.i` (400) for a model that is unknown or not a centroid model;
 * - the working definition's pending edits stay pending: publishSite writes as the working copy
 *   only the models merged by keepPendingEdits; the working policy, origins and features stay as they are.
 */
export async function publishRefinement(
  deps: ServerDeps,
  site: string,
  input: RefinementPublishInput,
  actor: string,
): Promise<RefinementOutcome> {
  const now = deps.now();
  return deps.store.transaction(async (tx) => {
    await tx.lockSite(site);
    const current = await tx.currentVersion(site);
    if (!current) throw await unpublished(tx, site);
    if (input.version !== undefined && input.version !== current.version) {
      return {
        ok: false,
        status: 409,
        error: `the proposal reviewed was for version ${input.version}, but version ${current.version} is current: review the new proposal`,
        field: 'version',
      };
    }
    const estimates = await estimateVersion(tx, current, now);
    const proposal = proposeRefinement(current.manifest, estimates, {
      ...(input.maxStep !== undefined ? { maxStep: input.maxStep } : {}),
      ...(input.minSupport !== undefined ? { minSupport: input.minSupport } : {}),
    });
    const asked = input.models ?? proposal.models.filter((m) => m.refinable).map((m) => m.model);
    const models = asked.filter((id) => proposal.changedModels.includes(id));
    // applyRefinement names models.i for an unknown or softmax model, before the 409 below.
    const manifest = applyRefinement(current.manifest, proposal, {
      models: asked,
      date: now.toISOString().slice(0, 10),
    });
    if (models.length === 0) {
      return {
        ok: false,
        status: 409,
        error: `nothing to refine in ${asked.join(', ')}: every segment is skipped (suppressed, under the minimum support or without means) or already at its target`,
      };
    }
    const summary = `refined centroids of ${models.join(', ')} from ${estimates.reports} reports`;
    const published = await publishSite(tx, deps.signer, site, {
      actor,
      now,
      manifest,
      note: input.note ? `${summary}; ${input.note}` : summary,
      working: (w, refined) => ({ definition: keepPendingEdits(w.definition, current.manifest, refined) }),
    });
    await tx.appendAudit({
      at: now.toISOString(),
      actor,
      action: 'refine',
      site,
      version: published.version,
      summary,
      detail: {
        baseVersion: current.version,
        reports: estimates.reports,
        maxStep: proposal.maxStep,
        minSupport: proposal.minSupport,
        models,
        segments: proposal.models.flatMap((m) =>
          m.refinable && models.includes(m.model)
            ? m.segments.map((x) => ({
                model: m.model,
                id: x.id,
                movement: x.movement,
                skipped: x.skipped?.reason ?? null,
              }))
            : [],
        ),
        ...(input.note ? { note: input.note } : {}),
      },
    });
    return {
      ok: true,
      published: {
        site,
        version: published.version,
        kid: published.kid,
        expiresAt: published.manifest.expiresAt,
        models,
        reports: estimates.reports,
        summary,
        changes: published.changes,
      },
    };
  });
}

/**
 * The working definition after a refinement published `refined` over `base`: a model the admin had
 * not edited since base becomes the refined one; one whose documentation or names were edited keeps
 * those edits and takes the refined centroids and changelog entries; one whose centroids, features
 * or segments were edited is left as the admin left it (their edit wins, and shows as pending).
 */
function keepPendingEdits(working: SiteDefinition, base: Manifest, refined: Manifest): SiteDefinition {
  return {
    ...working,
    models: working.models.map((m) => {
      const before = base.models.find((x) => x.id === m.id);
      const after = refined.models.find((x) => x.id === m.id);
      if (!before || !after) return m;
      if (same(before, m)) return after;
      if (m.kind !== 'centroids' || before.kind !== 'centroids' || after.kind !== 'centroids') return m;
      const sameShape = same(
        [m.features, m.centroids, m.segments.map((x) => x.id)],
        [before.features, before.centroids, before.segments.map((x) => x.id)],
      );
      if (!sameShape) return m;
      return {
        ...m,
        centroids: after.centroids,
        segments: m.segments.map((seg, v) => {
          const added =
            after.segments[v]?.documentation.changelog.filter((e) => e.version === refined.version) ?? [];
          return added.length
            ? {
                ...seg,
                documentation: {
                  ...seg.documentation,
                  changelog: [...seg.documentation.changelog, ...added],
                },
              }
            : seg;
        }),
      };
    }),
  };
}

/** A numeric parameter's value, undefined when absent (NaN when not a number: the schema names the field). */
function numberParam(q: string | undefined): number | undefined {
  return q === undefined || q === '' ? undefined : Number(q);
}

/** GET query or form fields as refinement options, not yet checked. */
export function refineParamsOf(get: (name: string) => string | undefined): RefineParams {
  const maxStep = numberParam(get('maxStep'));
  const minSupport = numberParam(get('minSupport'));
  return {
    ...(maxStep !== undefined ? { maxStep } : {}),
    ...(minSupport !== undefined ? { minSupport } : {}),
  };
}

/** GET query fields as refinement options, checked before any I/O (the failing field named: maxStep, minSupport). */
export function refineOptionsOf(
  get: (name: string) => string | undefined,
): { ok: true; value: RefineParams } | { ok: false; field: string; message: string } {
  return check(RefineParams, refineParamsOf(get));
}

/** The /admin/api routes. */
export function adminApi(deps: ServerDeps): Hono {
  const api = new Hono();
  api.use(
    '*',
    bodyLimit({
      maxSize: MAX_ADMIN_BODY_BYTES,
      onError: (c) =>
        c.json({ error: `body larger than ${MAX_ADMIN_BODY_BYTES} bytes`, field: '(root)' }, 413),
    }),
  );
  api.use('*', async (c, next) => {
    if (!tokenMatches(bearerOf(c), deps.adminToken)) {
      return c.json({ error: 'admin token required (Authorization: Bearer <token>)' }, 401, {
        'WWW-Authenticate': 'Bearer realm="edseg-admin"',
      });
    }
    c.header('Cache-Control', 'no-store');
    await next();
  });
  const actor = (c: Context) => actorName(c.req.header('x-edseg-actor'), 'admin (api token)');

  api.get('/sites', async (c) => c.json({ sites: await deps.store.listSites() } satisfies SiteList));

  api.get('/sites/:site', async (c) => {
    const view = await loadSiteView(deps, c.req.param('site'));
    return view ? c.json(view) : c.json({ error: 'unknown site', field: 'site' }, 404);
  });

  api.put('/sites/:site/policy', async (c) => {
    const site = c.req.param('site');
    // updatePolicy checks the body against SitePolicy (400 naming policy.allowed.N / policy.clear.N), and the site (404).
    const result = await updatePolicy(deps.store, site, await readJson(c), {
      actor: actor(c),
      now: deps.now(),
    });
    return c.json({ ...result, published: false } satisfies PolicyUpdated);
  });

  api.post('/sites/:site/publish', async (c) => {
    const site = c.req.param('site');
    const body = await readJson(c, {});
    // Either PublishInput { manifest?, note? } or a bare manifest (recognised by its models), which
    // publishSite checks whole against Manifest once the server's fields are set.
    // A body that fails PublishInput throws EdsegError('invalid-input'): 400 naming the field through onError.
    const { manifest, note }: PublishInput =
      typeof body === 'object' && body !== null && 'models' in body
        ? { manifest: body as Record<string, unknown> }
        : parseOrThrow(PublishInput, body);
    const published = await publishSite(deps.store, deps.signer, site, {
      actor: actor(c),
      now: deps.now(),
      ...(manifest !== undefined ? { manifest } : {}),
      ...(note ? { note: note.slice(0, 500) } : {}),
    });
    return c.json(
      {
        site,
        version: published.version,
        kid: published.kid,
        expiresAt: published.manifest.expiresAt,
        changes: published.changes,
      } satisfies Published,
      201,
    );
  });

  api.get('/sites/:site/refinement', async (c) => {
    const site = c.req.param('site');
    // Options that fail the schema throw EdsegError('invalid-input') before any I/O: 400 naming maxStep or minSupport.
    const proposal = await loadRefinement(
      deps,
      site,
      parseOrThrow(
        RefineParams,
        refineParamsOf((n) => c.req.query(n)),
      ),
    );
    if (!proposal) throw await unpublished(deps.store, site);
    return c.json(proposal);
  });

  api.post('/sites/:site/refinement/publish', async (c) => {
    const input = parseOrThrow(RefinementPublishInput, await readJson(c, {}));
    const out = await publishRefinement(deps, c.req.param('site'), input, actor(c));
    if (!out.ok) return c.json({ error: out.error, ...(out.field ? { field: out.field } : {}) }, out.status);
    return c.json(out.published satisfies RefinementPublished, 201);
  });

  api.get('/audit', async (c) => {
    const limit = Number(c.req.query('limit') ?? 200);
    const site = c.req.query('site');
    return c.json({
      entries: await deps.store.listAudit({
        ...(site ? { site } : {}),
        limit: Number.isFinite(limit) ? limit : 200,
      }),
    } satisfies AuditLog);
  });

  api.post('/keys/rotate', async (c) => {
    const { kid, republished } = await rotateSigningKey(deps.store, deps.signer, {
      actor: actor(c),
      now: deps.now(),
    });
    return c.json(
      {
        kid,
        keys: (await deps.signer.publicJwks()).keys,
        republished: republished.map((r) => ({ site: r.site, version: r.version })),
      } satisfies KeysRotated,
      201,
    );
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

/** A request's body as JSON; `empty`, when given, stands for a blank body (else a blank body is not JSON: 400). */
async function readJson(c: Context, empty?: unknown): Promise<unknown> {
  const text = await c.req.text();
  return empty !== undefined && text.trim() === '' ? empty : parseJson(text);
}
