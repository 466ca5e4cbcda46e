/**
 * Centroid refinement on the server: the proposal for a site's current version from its reports
 * (src/core/refine.ts does the arithmetic), its publication as the next signed version, and the
 * refinement options as a query or a form gives them.
 */
import { Refusal } from '../http/refusal.js';
import { applyRefinement, proposeRefinement } from '../../core/refine.js';
import { RefineParams, RefinementPublishInput, check } from '../../core/schema.js';
import type { Manifest, RefinementProposal, RefinementPublished, SiteDefinition } from '../../core/schema.js';
import type { ServerDeps } from '../runtime/deps.js';
import { disclosedVersion } from '../estimates/estimates.js';
import { publishSite, same } from './publish.js';
import type { Store } from '../storage/store.js';

/**
 * The refinement proposal for a site's current version (src/core/refine.ts), or null when the site
 * does not exist or has published nothing. It is computed from the stored sums of the version's
 * series, but only as the disclosure gate publishes them (disclosedVersion: counts rounded and null
 * under kThreshold, complementary suppression, means to 3 decimals): no count, support or total in
 * it is exact, a cell the gate suppresses is skipped as suppressed, and minSupport is compared with
 * the published support, so no query can tell more of a cell than the estimates views do.
 * `opts` are checked first (refineOptionsOf), so this reads and estimates once.
 */
export async function loadRefinement(
  deps: ServerDeps,
  site: string,
  opts: RefineParams = {},
): Promise<RefinementProposal | null> {
  const current = await deps.store.currentVersion(site);
  if (!current) return null;
  return proposeRefinement(current.manifest, await disclosedVersion(deps.store, current, deps.now()), opts);
}

/** The 404 for a site without a current version: it does not exist, or has published nothing (only this refusal reads the site). */
export async function unpublished(store: Store, site: string): Promise<Refusal> {
  return new Refusal(404, (await store.getSite(site)) ? 'nothing published yet' : 'unknown site', 'site');
}

/**
 * Publishes the refined centroids of a site's current version as the next signed version, in one
 * transaction with the site row locked: the proposal is recomputed from the sums stored at that
 * moment, through the disclosure gate as loadRefinement does (so what is signed is what was reviewed), published through publishSite (version,
 * signature, its 'publish' audit entry), and a 'refine' audit entry records the models, the
 * reports and each centroid's movement.
 *
 * Contracts:
 * - a 404 Refusal naming `site` when the site does not exist or has published nothing;
 * - a 409 Refusal, nothing written, when `version` is given and is not the current one (naming it),
 *   or when no chosen model has a centroid that moves (every segment skipped, or already at its target);
 * - an input error naming `models.i` (400) for a model that is unknown or not a centroid model;
 * - the working definition's pending edits stay pending: publishSite writes as the working copy
 *   only the models merged by keepPendingEdits; the working policy, origins and features stay as they are.
 */
export async function publishRefinement(
  deps: ServerDeps,
  site: string,
  input: RefinementPublishInput,
  actor: string,
): Promise<RefinementPublished> {
  const now = deps.now();
  return deps.store.transaction(async (tx) => {
    await tx.lockSite(site);
    const current = await tx.currentVersion(site);
    if (!current) throw await unpublished(tx, site);
    if (input.version !== undefined && input.version !== current.version)
      throw new Refusal(
        409,
        `the proposal reviewed was for version ${input.version}, but version ${current.version} is current: review the new proposal`,
        'version',
      );
    const estimates = await disclosedVersion(tx, current, now);
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
    // A refusal of the request as a whole: it names no field.
    if (models.length === 0)
      throw new Refusal(
        409,
        `nothing to refine in ${asked.join(', ')}: every segment is skipped (suppressed, under the minimum support or without means) or already at its target`,
      );
    const summary = `refined centroids of ${models.join(', ')} from ${estimates.reports ?? 'fewer than k'} reports`;
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
      site,
      version: published.version,
      kid: published.kid,
      expiresAt: published.manifest.expiresAt,
      models,
      reports: estimates.reports,
      summary,
      changes: published.changes,
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
