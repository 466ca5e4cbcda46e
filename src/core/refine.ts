/**
 * Centroid refinement from the collector's estimates (ARCHITECTURE.md "The flow": refine: estimates
 * -> proposed centroids -> admin review -> new manifest version), pure.
 *
 * One Lloyd step (Lloyd, "Least squares quantization in PCM", IEEE Trans. Inf. Theory 28(2), 1982;
 * the k-means update): the new centroid of segment v is the mean of the learners assigned to v.
 * Devices assigned themselves with the published centroids, so the per-segment feature means the
 * LDP estimator debiases (estimate.ts, in the manifest's feature order, normalised scale) are that
 * mean, noisy. The step is damped: c' = c + min(1, maxStep / |t - c|) (t - c), with t the estimated
 * mean clamped to [-1, 1] (a trust region on the update, as a learning rate damps online k-means:
 * MacQueen 1967), so one noisy period cannot throw a centroid across the space. An old centroid in
 * the cube and the clamped target span a segment inside it, so the step needs no further clamp;
 * the result is clamped all the same, for a hand-set centroid outside the cube.
 *
 * Contracts:
 * - only `centroids` models move; a softmax head is not a per-segment mean, so it is listed as not
 *   refinable and its weights are never touched;
 * - a segment whose cell is missing, suppressed, under minSupport, or has any of its model's means
 *   withheld (null) keeps its centroid and is listed as skipped with the reason;
 * - coordinates are rounded to 4 decimals towards the old value: manifests stay readable, and
 *   |c' - c| <= maxStep holds exactly; 1e-4 is far below any mean's standard error;
 * - nothing but centroids and the changed segments' changelogs differs in the proposed manifest,
 *   whose version is one more; issuedAt and expiresAt are the publisher's to set.
 */
import { EdsegError } from './errors.js';
import type {
  CentroidModel,
  Estimate,
  Manifest,
  ModelRefinement,
  RefinementProposal,
  PublishedEstimates,
  SegmentRefinement,
  SiteEstimates,
  SkipReason,
} from './schema.js';

/** Default largest L2 move of one centroid in one refinement, in normalised units ([-1, 1] per axis). */
export const DEFAULT_MAX_STEP = 0.5;
/** Decimals a proposed coordinate keeps. */
const DECIMALS = 4;

// The proposal's shapes are wire shapes (GET /admin/api/sites/:site/refinement): import them from schema.ts.

/**
 * The estimates a proposal reads: the server passes the disclosure gate's (PublishedEstimates
 * without its series fields: counts rounded, null under kThreshold), so that a proposal shows
 * nothing the gate does not publish; exact estimates (SiteEstimates) fit the same shape.
 */
export type RefinementEstimates =
  SiteEstimates | Pick<PublishedEstimates, 'site' | 'manifestVersion' | 'generatedAt' | 'reports' | 'models'>;

/** proposeRefinement's options: a function's option bag, not a wire shape, so it stays here. */
export type RefineOptions = {
  /** largest L2 move of a centroid (default 0.5) */
  maxStep?: number;
  /** a cell needs at least this support to move its centroid (default manifest.reporting.kThreshold) */
  minSupport?: number;
  /** the changelog date (default: the estimates' generatedAt day, YYYY-MM-DD) */
  date?: string;
};

const SOFTMAX_REASON =
  'a softmax head is not a per-segment mean: one Lloyd step does not apply; retrain it offline';
const MLP_REASON = 'an mlp is not a per-segment mean: one Lloyd step does not apply; retrain it offline';

/** Proposes one damped Lloyd step for every centroid model of `manifest` from the estimates of its reports. */
export function proposeRefinement(
  manifest: Manifest,
  estimates: RefinementEstimates,
  opts: RefineOptions = {},
): RefinementProposal {
  const maxStep = opts.maxStep ?? DEFAULT_MAX_STEP;
  const minSupport = opts.minSupport ?? manifest.reporting.kThreshold;
  if (!(maxStep > 0))
    throw new EdsegError(
      'invalid-input',
      `edseg: maxStep must be a positive number, got ${maxStep}`,
      'maxStep',
    );
  if (!(minSupport >= 0))
    throw new EdsegError(
      'invalid-input',
      `edseg: minSupport must be a number >= 0, got ${minSupport}`,
      'minSupport',
    );
  if (estimates.site !== manifest.site.id)
    throw new EdsegError(
      'invalid-input',
      `edseg: the estimates are for site "${estimates.site}", the manifest for "${manifest.site.id}"`,
      'estimates.site',
    );
  if (estimates.manifestVersion !== manifest.version) {
    throw new EdsegError(
      'invalid-input',
      `edseg: the estimates are for version ${estimates.manifestVersion}, the manifest is version ${manifest.version}`,
      'estimates.manifestVersion',
    );
  }

  const models: ModelRefinement[] = manifest.models.map((model) => {
    if (model.kind === 'softmax')
      return {
        model: model.id,
        kind: 'softmax',
        refinable: false,
        purpose: model.purpose,
        reason: SOFTMAX_REASON,
      };
    if (model.kind === 'mlp')
      return { model: model.id, kind: 'mlp', refinable: false, purpose: model.purpose, reason: MLP_REASON };
    const est = estimates.models.find((m) => m.model === model.id);
    const segments = model.segments.map((s, v) =>
      refineSegment(
        model,
        v,
        est?.segments.find((x) => x.id === s.id),
        maxStep,
        minSupport,
      ),
    );
    const n = est?.n ?? { clear: 0, ldp: 0 };
    // The total is what the published parts add up to: null when neither is published.
    const total = n.clear === null && n.ldp === null ? null : (n.clear ?? 0) + (n.ldp ?? 0);
    return {
      model: model.id,
      kind: 'centroids',
      refinable: true,
      purpose: model.purpose,
      features: [...model.features],
      reports: { clear: n.clear, ldp: n.ldp, total },
      changed: segments.some((s) => s.movement > 0),
      segments,
    };
  });

  const partial = {
    site: manifest.site.id,
    baseVersion: manifest.version,
    version: manifest.version + 1,
    generatedAt: estimates.generatedAt,
    reports: estimates.reports,
    maxStep,
    minSupport,
    models,
    changedModels: models.filter((m) => m.refinable && m.changed).map((m) => m.model),
  };
  const date = opts.date ?? estimates.generatedAt.slice(0, 10);
  return { ...partial, manifest: applyRefinement(manifest, partial, { date }) };
}

/**
 * The base manifest with the proposal's centroids for `models` (default: every changed model),
 * version + 1, and a changelog entry on each segment that moved. Throws EdsegError naming
 * `models.i` for a model the proposal cannot apply (unknown, or not a centroid model).
 */
export function applyRefinement(
  manifest: Manifest,
  proposal: Pick<RefinementProposal, 'baseVersion' | 'models' | 'changedModels'>,
  opts: { models?: readonly string[]; date: string },
): Manifest {
  if (proposal.baseVersion !== manifest.version) {
    throw new EdsegError(
      'invalid-input',
      `edseg: the proposal is for version ${proposal.baseVersion}, the manifest is version ${manifest.version}`,
      'manifest.version',
    );
  }
  const wanted = opts.models ?? proposal.changedModels;
  wanted.forEach((id, i) => {
    const m = proposal.models.find((x) => x.model === id);
    if (!m) throw new EdsegError('invalid-input', `edseg: the proposal has no model "${id}"`, `models.${i}`);
    if (!m.refinable)
      throw new EdsegError('invalid-input', `edseg: model "${id}" is ${m.kind}: ${m.reason}`, `models.${i}`);
  });
  const version = manifest.version + 1;
  return {
    ...manifest,
    version,
    models: manifest.models.map((model) => {
      const p = proposal.models.find((x) => x.model === model.id);
      if (model.kind !== 'centroids' || !p?.refinable || !wanted.includes(model.id)) return model;
      const next: CentroidModel = {
        ...model,
        centroids: model.centroids.map((row, v) => [...(p.segments[v]?.proposed ?? row)]),
        segments: model.segments.map((s, v) => {
          const line = p.segments[v];
          if (!line || !(line.movement > 0)) return s;
          const change = `centroid refined from ${p.reports.total ?? 'fewer than k'} reports (moved by ${line.movement.toFixed(DECIMALS)})`;
          return {
            ...s,
            documentation: {
              ...s.documentation,
              changelog: [...s.documentation.changelog, { version, date: opts.date, change }],
            },
          };
        }),
      };
      return next;
    }),
  };
}

type SegmentEstimate = RefinementEstimates['models'][number]['segments'][number];

/** One segment's damped Lloyd step, or its reason for staying put. */
function refineSegment(
  model: CentroidModel,
  v: number,
  est: SegmentEstimate | undefined,
  maxStep: number,
  minSupport: number,
): SegmentRefinement {
  const seg = model.segments[v]!;
  const old = [...(model.centroids[v] ?? [])];
  const means = model.features.map(
    (name) => est?.featureMeans.find((f) => f.feature === name)?.estimate ?? null,
  );
  const base = {
    id: seg.id,
    name: seg.name,
    share: est?.share ?? null,
    support: est ? est.support : 0,
    means,
    old,
  };
  const stay = (reason: SkipReason, detail: string): SegmentRefinement => ({
    ...base,
    target: null,
    proposed: old,
    movement: 0,
    damped: false,
    skipped: { reason, detail },
  });

  if (!est) return stay('no-estimate', 'the estimates have no cell for this segment');
  if (est.suppressed || est.support === null)
    return stay('suppressed', 'the cell is suppressed: fewer reports than the k threshold');
  if (est.support < minSupport)
    return stay('under-min-support', `support ${est.support.toFixed(1)} is under the minimum ${minSupport}`);
  const missing = model.features.filter((_, j) => !Number.isFinite(means[j]?.value));
  if (missing.length > 0)
    return stay(
      'means-withheld',
      `no mean for ${missing.join(', ')}: too few feature reports, or their weight is not clearly above 0`,
    );

  const target = means.map((m) => clamp((m as Estimate).value));
  const distance = L2(target, old);
  const damped = distance > maxStep;
  const raw = damped ? old.map((c, j) => c + (maxStep / distance) * ((target[j] as number) - c)) : target;
  // Snap to the grid (a float like -0.99999999999 is -1); if snapping ever pushed the move past
  // maxStep, truncate towards the old value instead, which can only shorten it.
  let proposed = old.map((c, j) => clamp(towards(c, raw[j] as number, 1e-6)));
  if (L2(proposed, old) > maxStep) proposed = old.map((c, j) => clamp(towards(c, raw[j] as number, 0)));
  return { ...base, target, proposed, movement: L2(proposed, old), damped, skipped: null };
}

const L2 = (a: readonly number[], b: readonly number[]): number =>
  Math.hypot(...a.map((x, j) => x - (b[j] as number)));
const clamp = (x: number): number => Math.min(1, Math.max(-1, x));

/**
 * x rounded to DECIMALS places in the direction of `from` and never past it, so the move shrinks:
 * |result - from| <= |x - from| when tol = 0; tol (in grid units) lets a float a hair short of a
 * grid point land on it.
 */
function towards(from: number, x: number, tol: number): number {
  const f = 10 ** DECIMALS;
  return x >= from ? Math.max(Math.floor(x * f + tol) / f, from) : Math.min(Math.ceil(x * f - tol) / f, from);
}
