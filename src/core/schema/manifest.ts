/** Segments, models, site policy, reporting, retention and the manifest with its cross-field rules. */
import * as z from 'zod/mini';
import { Finite, Identifier, IsoDate, MinAgeBand, Purpose, Text } from './atoms.js';
import { FeatureSpec, rollupWindowDays } from './feature-spec.js';

export const SegmentDoc = /* @__PURE__ */ z.strictObject({
  /** which events and props feed it, in words */
  dataSources: /* @__PURE__ */ z.array(/* @__PURE__ */ Text(300)),
  /** the criteria a learner meets to be in it */
  criteria: /* @__PURE__ */ Text(2000),
  /** how it was validated, with figures */
  validation: /* @__PURE__ */ Text(2000),
  changelog: /* @__PURE__ */ z.array(
    /* @__PURE__ */ z.strictObject({
      version: /* @__PURE__ */ z.int().check(/* @__PURE__ */ z.gte(1)),
      date: /* @__PURE__ */ Text(40),
      change: /* @__PURE__ */ Text(500),
    }),
  ),
});
export type SegmentDoc = z.infer<typeof SegmentDoc>;

export const Segment = /* @__PURE__ */ z.strictObject({
  id: Identifier,
  name: /* @__PURE__ */ Text(120),
  minAgeBand: MinAgeBand,
  documentation: SegmentDoc,
});
export type Segment = z.infer<typeof Segment>;

const modelBase = () => ({
  id: Identifier,
  purpose: Purpose,
  /** names of the manifest features this model reads, in input order */
  features: /* @__PURE__ */ z.array(Identifier).check(/* @__PURE__ */ z.minLength(1)),
  segments: /* @__PURE__ */ z.array(Segment).check(/* @__PURE__ */ z.minLength(2)),
  description: /* @__PURE__ */ z.optional(/* @__PURE__ */ Text(1000)),
});

export const CentroidModel = /* @__PURE__ */ z.strictObject({
  ...modelBase(),
  kind: /* @__PURE__ */ z.literal('centroids'),
  /** k x d, in normalised feature space; row i is segments[i] */
  centroids: /* @__PURE__ */ z.array(/* @__PURE__ */ z.array(Finite)),
});
export const SoftmaxModel = /* @__PURE__ */ z.strictObject({
  ...modelBase(),
  kind: /* @__PURE__ */ z.literal('softmax'),
  /** d x k */
  weights: /* @__PURE__ */ z.array(/* @__PURE__ */ z.array(Finite)),
  /** k */
  bias: /* @__PURE__ */ z.array(Finite),
});
/** One dense layer of an mlp: `weights` is in x out, `bias` is out. */
export const DenseLayer = /* @__PURE__ */ z.strictObject({
  weights: /* @__PURE__ */ z.array(/* @__PURE__ */ z.array(Finite)),
  bias: /* @__PURE__ */ z.array(Finite),
});
/**
 * A small dense network: one or two hidden layers with ReLU, then a softmax layer over the k
 * segments (layers[0] reads the d features; the last layer has k outputs).
 */
export const MlpModel = /* @__PURE__ */ z.strictObject({
  ...modelBase(),
  kind: /* @__PURE__ */ z.literal('mlp'),
  layers: /* @__PURE__ */ z
    .array(DenseLayer)
    .check(/* @__PURE__ */ z.minLength(2), /* @__PURE__ */ z.maxLength(3)),
});
export const Model = /* @__PURE__ */ z.discriminatedUnion('kind', [CentroidModel, SoftmaxModel, MlpModel]);
export type Model = z.infer<typeof Model>;
export type MlpModel = z.infer<typeof MlpModel>;
export type CentroidModel = z.infer<typeof CentroidModel>;
export type SoftmaxModel = z.infer<typeof SoftmaxModel>;

/** Which segments this site may receive, and which of those may be reported in clear. */
export const SitePolicy = /* @__PURE__ */ z.strictObject({
  allowed: /* @__PURE__ */ z.array(Identifier),
  clear: /* @__PURE__ */ z.array(Identifier),
});
export type SitePolicy = z.infer<typeof SitePolicy>;

/** The least kThreshold a manifest may set: a cell of fewer reports is never published, whatever an admin asks. */
export const K_THRESHOLD_FLOOR = 20;

export const Reporting = /* @__PURE__ */ z.strictObject({
  periodDays: /* @__PURE__ */ z.int().check(/* @__PURE__ */ z.gte(1), /* @__PURE__ */ z.lte(365)),
  epsilonSegment: /* @__PURE__ */ z.number().check(/* @__PURE__ */ z.positive(), /* @__PURE__ */ z.lte(10)),
  epsilonFeatures: /* @__PURE__ */ z.number().check(/* @__PURE__ */ z.gte(0), /* @__PURE__ */ z.lte(20)),
  budget: /* @__PURE__ */ z.strictObject({
    windowDays: /* @__PURE__ */ z.int().check(/* @__PURE__ */ z.gte(1), /* @__PURE__ */ z.lte(3650)),
    maxEpsilon: /* @__PURE__ */ z.number().check(/* @__PURE__ */ z.positive()),
    /**
     * A store the device creates knowing nothing of the site (no floor record, no spend: a new device
     * or a full wipe, as Safari's 7-day rule deletes every database): 'wait' reports only once a full
     * window has passed since its creation, so no rolling window holds a spend from before a wipe and
     * one after; 'report' (and absent, the meaning of manifests signed before the field) reports at once.
     */
    freshStore: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.enum(['wait', 'report'])),
  }),
  kThreshold: /* @__PURE__ */ z
    .int()
    .check(
      /* @__PURE__ */ z.gte(
        K_THRESHOLD_FLOOR,
        `must be at least ${K_THRESHOLD_FLOOR}: fewer reports per published cell do not protect a learner`,
      ),
    ),
});
export type Reporting = z.infer<typeof Reporting>;

export const Retention = /* @__PURE__ */ z.strictObject({
  rawEventDays: /* @__PURE__ */ z.int().check(/* @__PURE__ */ z.gte(1), /* @__PURE__ */ z.lte(3650)),
  rollupDays: /* @__PURE__ */ z.int().check(/* @__PURE__ */ z.gte(1), /* @__PURE__ */ z.lte(3650)),
});
export type Retention = z.infer<typeof Retention>;

export const ManifestSite = /* @__PURE__ */ z.strictObject({
  id: Identifier,
  /** page origins allowed to use this manifest, e.g. "https://app.example.org" */
  origins: /* @__PURE__ */ z
    .array(/* @__PURE__ */ z.string().check(/* @__PURE__ */ z.minLength(1)))
    .check(/* @__PURE__ */ z.minLength(1)),
});

export const Manifest = /* @__PURE__ */ z
  .strictObject({
    version: /* @__PURE__ */ z.int().check(/* @__PURE__ */ z.gte(1)),
    issuedAt: IsoDate,
    expiresAt: IsoDate,
    site: ManifestSite,
    features: /* @__PURE__ */ z.array(FeatureSpec).check(/* @__PURE__ */ z.minLength(1)),
    models: /* @__PURE__ */ z.array(Model).check(/* @__PURE__ */ z.minLength(1)),
    policy: SitePolicy,
    reporting: Reporting,
    retention: Retention,
  })
  .check(
    /* @__PURE__ */ z.superRefine((m, ctx) => {
      for (const issue of manifestIssues(m)) ctx.issues.push({ code: 'custom', input: m, ...issue });
    }),
  );
export type Manifest = z.infer<typeof Manifest>;

/**
 * The models whose segments a `clear` list covers only in part: such a policy is refused on save,
 * on publish and by the device, since a per-segment channel would let a report's shape tell the segment.
 */
export function partialClearModels(
  manifest: Pick<Manifest, 'models' | 'policy'>,
): { model: string; inClear: string[]; notInClear: string[] }[] {
  return manifest.models.flatMap((m) => {
    const ids = m.segments.map((s) => s.id);
    const inClear = ids.filter((id) => manifest.policy.clear.includes(id));
    const notInClear = ids.filter((id) => !manifest.policy.clear.includes(id));
    return inClear.length > 0 && notInClear.length > 0 ? [{ model: m.id, inClear, notInClear }] : [];
  });
}

/** Cross-field rules a manifest must keep; each issue names its path. */
export function manifestIssues(
  m: Pick<Manifest, 'features' | 'models' | 'policy'> & { retention?: Retention },
): { message: string; path: (string | number)[] }[] {
  const out: { message: string; path: (string | number)[] }[] = [];
  // Features read rollups: pruning them sooner than the longest window would shorten that window silently.
  const window = rollupWindowDays(m.features);
  if (m.retention && m.retention.rollupDays < window) {
    out.push({
      message: `must be at least ${window} days, the longest feature window`,
      path: ['retention', 'rollupDays'],
    });
  }
  const featureNames = new Set<string>();
  m.features.forEach((f, i) => {
    if (featureNames.has(f.name))
      out.push({ message: `duplicate feature name "${f.name}"`, path: ['features', i, 'name'] });
    featureNames.add(f.name);
  });
  const segmentIds = new Set<string>();
  const modelIds = new Set<string>();
  m.models.forEach((model, mi) => {
    if (modelIds.has(model.id))
      out.push({ message: `duplicate model id "${model.id}"`, path: ['models', mi, 'id'] });
    modelIds.add(model.id);
    model.features.forEach((name, fi) => {
      if (!featureNames.has(name))
        out.push({ message: `unknown feature "${name}"`, path: ['models', mi, 'features', fi] });
    });
    model.segments.forEach((s, si) => {
      if (segmentIds.has(s.id))
        out.push({ message: `duplicate segment id "${s.id}"`, path: ['models', mi, 'segments', si, 'id'] });
      segmentIds.add(s.id);
    });
    const k = model.segments.length;
    const d = model.features.length;
    if (model.kind === 'centroids') {
      if (model.centroids.length !== k)
        out.push({ message: `needs ${k} centroids (one per segment)`, path: ['models', mi, 'centroids'] });
      model.centroids.forEach((row, ri) => {
        if (row.length !== d)
          out.push({
            message: `centroid needs ${d} coordinates (one per feature)`,
            path: ['models', mi, 'centroids', ri],
          });
      });
    } else if (model.kind === 'mlp') {
      let width = d;
      model.layers.forEach((layer, li) => {
        const last = li === model.layers.length - 1;
        const cols = last ? k : layer.bias.length;
        const at = ['models', mi, 'layers', li];
        if (layer.weights.length !== width)
          out.push({
            message: `layer ${li} weights need ${width} rows (its inputs)`,
            path: [...at, 'weights'],
          });
        layer.weights.forEach((row, ri) => {
          if (row.length !== cols)
            out.push({
              message: `layer ${li} weight row needs ${cols} columns${last ? ' (one per segment)' : ''}`,
              path: [...at, 'weights', ri],
            });
        });
        if (layer.bias.length !== cols || cols < 1)
          out.push({
            message: `layer ${li} bias needs ${Math.max(1, cols)} entries${last ? ' (one per segment)' : ''}`,
            path: [...at, 'bias'],
          });
        width = cols;
      });
    } else {
      if (model.weights.length !== d)
        out.push({ message: `weights need ${d} rows (one per feature)`, path: ['models', mi, 'weights'] });
      model.weights.forEach((row, ri) => {
        if (row.length !== k)
          out.push({
            message: `weight row needs ${k} columns (one per segment)`,
            path: ['models', mi, 'weights', ri],
          });
      });
      if (model.bias.length !== k)
        out.push({ message: `bias needs ${k} entries`, path: ['models', mi, 'bias'] });
    }
  });
  m.policy.allowed.forEach((id, i) => {
    if (!segmentIds.has(id)) out.push({ message: `unknown segment "${id}"`, path: ['policy', 'allowed', i] });
  });
  m.policy.clear.forEach((id, i) => {
    if (!m.policy.allowed.includes(id))
      out.push({
        message: `segment "${id}" is reportable in clear but not allowed`,
        path: ['policy', 'clear', i],
      });
  });
  // The channel is the model's (PRIVACY.md "The shape rule"): a model is in clear whole or not at all.
  for (const p of partialClearModels(m)) {
    out.push({
      message:
        `model "${p.model}" is only partly reportable in clear (in clear: ${p.inClear.join(', ')}; ` +
        `not: ${p.notInClear.join(', ')}): report the whole model in clear or none of it`,
      path: ['policy', 'clear'],
    });
  }
  return out;
}
