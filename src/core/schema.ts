/**
 * The single source of truth for every wire and storage shape in edseg.
 * Client, worker, server and tests import these schemas; every type is `z.infer` of one.
 *
 * Written with `zod/mini` (tree-shakable, no JIT) because this module ships in the browser bundles;
 * `jitless` keeps zod from calling `new Function`, so a strict CSP never sees a violation.
 */
import * as z from 'zod/mini';
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { EdsegError } from './errors.js';
import { rollupWindowDays } from './features.js';

// `config` is imported by name: the bundler treats every `z.*` call as pure (tree-shakable), this one is not.
config({ ...en(), jitless: true });

// ---------------------------------------------------------------------------------------------
// Shared atoms
// ---------------------------------------------------------------------------------------------

export const PURPOSES = ['instruction', 'analytics', 'marketing', 'advertising'] as const;
export const Purpose = /* @__PURE__ */ z.enum(PURPOSES);
export type Purpose = z.infer<typeof Purpose>;

export const AGE_BANDS = ['under13', 'teen', 'adult', 'unknown'] as const;
export const AgeBand = /* @__PURE__ */ z.enum(AGE_BANDS);
export type AgeBand = z.infer<typeof AgeBand>;

/** A segment's minimum age band; `unknown` is not a band a segment can ask for. */
export const MinAgeBand = /* @__PURE__ */ z.enum(['under13', 'teen', 'adult']);
export type MinAgeBand = z.infer<typeof MinAgeBand>;

const Identifier = /* @__PURE__ */ z
  .string()
  .check(
    z.regex(
      /^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/,
      'must be 1-64 characters: a letter, then letters, digits, _ . : -',
    ),
  );
const Text = (max: number) => z.string().check(z.maxLength(max));
const IsoDate = /* @__PURE__ */ z.iso.datetime({ offset: true });
const Finite = /* @__PURE__ */ z.number();

// ---------------------------------------------------------------------------------------------
// Events (host page -> client -> worker). Raw events never leave the device.
// ---------------------------------------------------------------------------------------------

export const PropValue = /* @__PURE__ */ z.union([Finite, Text(256), z.boolean()], {
  error: 'must be a finite number, a string of at most 256 characters, or a boolean',
});
export type PropValue = z.infer<typeof PropValue>;

export const MAX_PROPS = 32;
export const Props = /* @__PURE__ */ z
  .record(Identifier, PropValue)
  .check(z.refine((p) => Object.keys(p).length <= MAX_PROPS, `at most ${MAX_PROPS} props`));
export type Props = z.infer<typeof Props>;

/** What `track(type, props)` accepts. */
export const EventInput = /* @__PURE__ */ z.strictObject({
  type: Identifier,
  props: z.optional(Props),
  /** Milliseconds since the epoch; the client stamps it, tests may set it. */
  ts: z.optional(z.number().check(z.gte(0))),
});
export type EventInput = z.infer<typeof EventInput>;

/** A minimised event as the worker stores it (only props some feature reads). */
export const StoredEvent = /* @__PURE__ */ z.object({
  id: z.optional(z.int()),
  type: Identifier,
  ts: z.number(),
  day: z.int(),
  props: z.record(z.string(), PropValue),
});
export type StoredEvent = z.infer<typeof StoredEvent>;

/** Zero-party data the learner declares (e.g. { goal: 'exam' }); kept on the device. */
export const Declared = /* @__PURE__ */ z.record(Identifier, Text(128));
export type Declared = z.infer<typeof Declared>;

/**
 * A daily rollup: one row per (day, event type, prop). `prop` is '' for the row that counts the
 * events themselves; for a numeric or boolean prop the row holds count / sum / min / max of it.
 */
export const Rollup = /* @__PURE__ */ z.object({
  day: z.int(),
  type: z.string(),
  prop: z.string(),
  count: z.number(),
  sum: z.number(),
  min: z.number(),
  max: z.number(),
});
export type Rollup = z.infer<typeof Rollup>;

// ---------------------------------------------------------------------------------------------
// Feature specification (declarative, published in the manifest)
// ---------------------------------------------------------------------------------------------

export const FEATURE_KINDS = [
  'count',
  'sum',
  'mean',
  'distinctDays',
  'recencyDays',
  'ratio',
  'declared',
] as const;
export const FeatureKind = /* @__PURE__ */ z.enum(FEATURE_KINDS);
export type FeatureKind = z.infer<typeof FeatureKind>;

export const Normalisation = /* @__PURE__ */ z.discriminatedUnion('kind', [
  /** the clip range [lo, hi] maps linearly onto [-1, 1] */
  z.strictObject({ kind: z.literal('minmax') }),
  /** (x - mean) / sd, divided by `scale` (default 3) and clipped to [-1, 1] */
  z.strictObject({
    kind: z.literal('zscore'),
    mean: Finite,
    sd: z.number().check(z.positive()),
    scale: z.optional(z.number().check(z.positive())),
  }),
]);
export type Normalisation = z.infer<typeof Normalisation>;

/**
 * One engagement feature. Semantics over the window of `windowDays` days ending today:
 * - count:        number of `events`
 * - sum / mean:   sum / mean of numeric `prop` over `events`
 * - distinctDays: days with at least one of `events`
 * - recencyDays:  days since the last of `events` (windowDays when none)
 * - ratio:        (sum of `prop`, or count when no prop, over `events`) / count of `denominator` events
 *                 (default: `events`); 0 when the denominator is 0
 * - declared:     `values[declared[key]]` (already in [-1, 1]), `default` (0) when not declared
 * Then `transform`, then clip to [lo, hi], then normalise to [-1, 1].
 */
export const FeatureSpec = /* @__PURE__ */ z
  .strictObject({
    name: Identifier,
    kind: FeatureKind,
    events: z.array(Identifier),
    prop: z.optional(Identifier),
    denominator: z.optional(z.array(Identifier)),
    key: z.optional(Identifier),
    values: z.optional(z.record(z.string(), z.number().check(z.gte(-1), z.lte(1)))),
    default: z.optional(z.number().check(z.gte(-1), z.lte(1))),
    windowDays: z.int().check(z.gte(1), z.lte(366)),
    transform: z.enum(['none', 'log1p', 'sqrt']),
    clip: z.tuple([Finite, Finite]),
    normalisation: Normalisation,
    /** Reads an education record (scores, grades, assessment results): FERPA applies. */
    educationRecord: z.boolean(),
    description: z.optional(Text(500)),
  })
  .check(
    z.superRefine((f, ctx) => {
      if (!(f.clip[0] < f.clip[1]))
        ctx.issues.push({
          code: 'custom',
          message: 'clip must be [lo, hi] with lo < hi',
          path: ['clip'],
          input: f.clip,
        });
      if ((f.kind === 'sum' || f.kind === 'mean') && !f.prop)
        ctx.issues.push({
          code: 'custom',
          message: `a ${f.kind} feature needs a prop`,
          path: ['prop'],
          input: f.prop,
        });
      if (f.kind === 'declared') {
        if (!f.key)
          ctx.issues.push({
            code: 'custom',
            message: 'a declared feature needs a key',
            path: ['key'],
            input: f.key,
          });
        if (!f.values)
          ctx.issues.push({
            code: 'custom',
            message: 'a declared feature needs values',
            path: ['values'],
            input: f.values,
          });
      } else if (f.events.length === 0) {
        ctx.issues.push({
          code: 'custom',
          message: 'must name at least one event type',
          path: ['events'],
          input: f.events,
        });
      }
    }),
  );
export type FeatureSpec = z.infer<typeof FeatureSpec>;

// ---------------------------------------------------------------------------------------------
// Segments and models
// ---------------------------------------------------------------------------------------------

export const SegmentDoc = /* @__PURE__ */ z.strictObject({
  /** which events and props feed it, in words */
  dataSources: z.array(Text(300)),
  /** the criteria a learner meets to be in it */
  criteria: Text(2000),
  /** how it was validated, with figures */
  validation: Text(2000),
  changelog: z.array(z.strictObject({ version: z.int().check(z.gte(1)), date: Text(40), change: Text(500) })),
});
export type SegmentDoc = z.infer<typeof SegmentDoc>;

export const Segment = /* @__PURE__ */ z.strictObject({
  id: Identifier,
  name: Text(120),
  minAgeBand: MinAgeBand,
  documentation: SegmentDoc,
});
export type Segment = z.infer<typeof Segment>;

const modelBase = () => ({
  id: Identifier,
  purpose: Purpose,
  /** names of the manifest features this model reads, in input order */
  features: z.array(Identifier).check(z.minLength(1)),
  segments: z.array(Segment).check(z.minLength(2)),
  description: z.optional(Text(1000)),
});

export const CentroidModel = /* @__PURE__ */ z.strictObject({
  ...modelBase(),
  kind: z.literal('centroids'),
  /** k x d, in normalised feature space; row i is segments[i] */
  centroids: z.array(z.array(Finite)),
});
export const SoftmaxModel = /* @__PURE__ */ z.strictObject({
  ...modelBase(),
  kind: z.literal('softmax'),
  /** d x k */
  weights: z.array(z.array(Finite)),
  /** k */
  bias: z.array(Finite),
});
export const Model = /* @__PURE__ */ z.discriminatedUnion('kind', [CentroidModel, SoftmaxModel]);
export type Model = z.infer<typeof Model>;
export type CentroidModel = z.infer<typeof CentroidModel>;
export type SoftmaxModel = z.infer<typeof SoftmaxModel>;

// ---------------------------------------------------------------------------------------------
// Site policy, reporting, retention, manifest
// ---------------------------------------------------------------------------------------------

/** Which segments this site may receive, and which of those may be reported in clear. */
export const SitePolicy = /* @__PURE__ */ z.strictObject({
  allowed: z.array(Identifier),
  clear: z.array(Identifier),
});
export type SitePolicy = z.infer<typeof SitePolicy>;

export const Reporting = /* @__PURE__ */ z.strictObject({
  periodDays: z.int().check(z.gte(1), z.lte(365)),
  epsilonSegment: z.number().check(z.positive(), z.lte(10)),
  epsilonFeatures: z.number().check(z.gte(0), z.lte(20)),
  budget: z.strictObject({
    windowDays: z.int().check(z.gte(1), z.lte(3650)),
    maxEpsilon: z.number().check(z.positive()),
  }),
  kThreshold: z.int().check(z.gte(1)),
});
export type Reporting = z.infer<typeof Reporting>;

export const Retention = /* @__PURE__ */ z.strictObject({
  rawEventDays: z.int().check(z.gte(1), z.lte(3650)),
  rollupDays: z.int().check(z.gte(1), z.lte(3650)),
});
export type Retention = z.infer<typeof Retention>;

export const ManifestSite = /* @__PURE__ */ z.strictObject({
  id: Identifier,
  /** page origins allowed to use this manifest, e.g. "https://app.example.org" */
  origins: z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
});

export const Manifest = /* @__PURE__ */ z
  .strictObject({
    version: z.int().check(z.gte(1)),
    issuedAt: IsoDate,
    expiresAt: IsoDate,
    site: ManifestSite,
    features: z.array(FeatureSpec).check(z.minLength(1)),
    models: z.array(Model).check(z.minLength(1)),
    policy: SitePolicy,
    reporting: Reporting,
    retention: Retention,
  })
  .check(
    z.superRefine((m, ctx) => {
      for (const issue of manifestIssues(m)) ctx.issues.push({ code: 'custom', input: m, ...issue });
    }),
  );
export type Manifest = z.infer<typeof Manifest>;

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
  return out;
}

// ---------------------------------------------------------------------------------------------
// Consent (COMPLIANCE.md)
// ---------------------------------------------------------------------------------------------

export const ConsentInput = /* @__PURE__ */ z.strictObject({
  ageBand: z.optional(AgeBand),
  /** FERPA school-official basis / COPPA school consent: educational purposes only */
  schoolAuthorized: z.optional(z.boolean()),
  parental: z.optional(
    z.strictObject({
      verified: z.boolean(),
      method: z.optional(Text(100)),
      at: z.optional(Text(40)),
      purposes: z.array(Purpose),
    }),
  ),
  /** the learner's own consent (teen or adult) */
  self: z.optional(z.strictObject({ purposes: z.array(Purpose), at: z.optional(Text(40)) })),
  optOut: z.optional(z.array(Purpose)),
});
export type ConsentInput = z.infer<typeof ConsentInput>;

/** The consent record as the worker holds it: the input plus what the SDK fills in. */
export const Consent = /* @__PURE__ */ z.object({
  ...ConsentInput.shape,
  /** navigator.globalPrivacyControl, read in the worker */
  gpc: z.optional(z.boolean()),
  updatedAt: z.optional(z.number()),
});
export type Consent = z.infer<typeof Consent>;

// ---------------------------------------------------------------------------------------------
// Decisions, release and explanation
// ---------------------------------------------------------------------------------------------

export const REASON_CODES = [
  'no-consent',
  'opted-out',
  'site-not-allowed',
  'gpc',
  'ferpa-education-record',
  'coppa-separate-consent',
  'coppa-parental-consent',
  'no-basis',
  'age',
  'allowed',
] as const;
export const ReasonCode = /* @__PURE__ */ z.enum(REASON_CODES);
export type ReasonCode = z.infer<typeof ReasonCode>;

export const Channel = /* @__PURE__ */ z.enum(['clear', 'ldp', 'none']);
export type Channel = z.infer<typeof Channel>;

/** Why nothing at all can be released (manifest-level), as opposed to a per-segment reason. */
export const BLOCK_CODES = [
  'manifest-missing',
  'manifest-refused',
  'origin-not-allowed',
  'site-mismatch',
  'manifest-expired',
  'forgotten',
] as const;
export const BlockCode = /* @__PURE__ */ z.enum(BLOCK_CODES);
export type BlockCode = z.infer<typeof BlockCode>;

export const ReleasedSegment = /* @__PURE__ */ z.object({
  id: z.string(),
  name: z.string(),
  purpose: Purpose,
  manifestVersion: z.int(),
  model: z.string(),
});
export type ReleasedSegment = z.infer<typeof ReleasedSegment>;

export const SegmentExplanation = /* @__PURE__ */ z.object({
  id: z.string(),
  name: z.string(),
  model: z.string(),
  purpose: Purpose,
  usesEducationRecord: z.boolean(),
  assigned: z.boolean(),
  released: z.boolean(),
  channel: Channel,
  reasons: z.array(z.string()),
});
export type SegmentExplanation = z.infer<typeof SegmentExplanation>;

export const Explanation = /* @__PURE__ */ z.object({
  site: z.string(),
  origin: z.string(),
  manifest: z.object({
    status: z.enum(['accepted', 'missing', 'refused']),
    version: z.optional(z.int()),
    reason: z.optional(z.string()),
    expiresAt: z.optional(z.string()),
  }),
  /** set when nothing can be released at all, with why */
  blocked: z.optional(BlockCode),
  consent: z.nullable(Consent),
  persisted: z.boolean(),
  /** what this device keeps, in counts (exportData() has the records themselves) */
  stored: z.object({
    /** events per type over the raw-event retention window, from the daily rollups */
    events: z.record(z.string(), z.int()),
    rollups: z.int(),
    /** reports waiting to be sent */
    pending: z.int(),
    declared: Declared,
    retention: z.nullable(Retention),
  }),
  segments: z.array(SegmentExplanation),
  budget: z.object({
    windowDays: z.int(),
    spent: z.number(),
    cap: z.number(),
    reportsInWindow: z.int(),
    lastPeriod: z.nullable(z.int()),
  }),
});
export type Explanation = z.infer<typeof Explanation>;

// ---------------------------------------------------------------------------------------------
// Reports (device -> collector). Exactly the fields PRIVACY.md lists; strict objects reject extras.
// ---------------------------------------------------------------------------------------------

export const SegmentField = /* @__PURE__ */ z.discriminatedUnion('channel', [
  z.strictObject({ model: Identifier, channel: z.literal('clear'), segment: Identifier }),
  z
    .strictObject({
      model: Identifier,
      channel: z.literal('ldp'),
      eps: z.number().check(z.positive()),
      k: z.int().check(z.gte(2)),
      oracle: z.enum(['grr', 'oue']),
      /** grr: the reported index */
      value: z.optional(z.int().check(z.gte(0))),
      /** oue: the perturbed one-hot vector */
      bits: z.optional(z.array(z.union([z.literal(0), z.literal(1)]))),
    })
    .check(
      z.superRefine((f, ctx) => {
        if (f.oracle === 'grr' && (f.value === undefined || f.value >= f.k || f.bits !== undefined)) {
          ctx.issues.push({
            code: 'custom',
            message: 'a grr field needs value in [0, k) and no bits',
            path: ['value'],
            input: f.value,
          });
        }
        if (f.oracle === 'oue' && (f.bits === undefined || f.bits.length !== f.k || f.value !== undefined)) {
          ctx.issues.push({
            code: 'custom',
            message: 'an oue field needs k bits and no value',
            path: ['bits'],
            input: f.bits,
          });
        }
      }),
    ),
]);
export type SegmentField = z.infer<typeof SegmentField>;

export const FeatureField = /* @__PURE__ */ z
  .strictObject({
    eps: z.number().check(z.positive()),
    /** number of features in the manifest's feature list (the vector's length) */
    d: z.int().check(z.gte(1)),
    mechanism: z.enum(['duchi', 'piecewise', 'hybrid']),
    /** the sampled dimensions (indices into the manifest's features) */
    dims: z.array(z.int().check(z.gte(0))),
    /** noised, scaled values for `dims`, in the same order */
    values: z.array(Finite),
  })
  .check(
    z.superRefine((f, ctx) => {
      if (f.dims.length !== f.values.length || f.dims.length === 0)
        ctx.issues.push({
          code: 'custom',
          message: 'dims and values must be non-empty and the same length',
          path: ['values'],
          input: f.values,
        });
      if (f.dims.some((i) => i >= f.d) || new Set(f.dims).size !== f.dims.length)
        ctx.issues.push({
          code: 'custom',
          message: 'dims must be distinct indices below d',
          path: ['dims'],
          input: f.dims,
        });
    }),
  );
export type FeatureField = z.infer<typeof FeatureField>;

export const Report = /* @__PURE__ */ z
  .strictObject({
    /** random, for idempotency only */
    id: z.string().check(z.regex(/^[0-9a-f]{32}$/, 'must be 32 lowercase hex characters')),
    site: Identifier,
    manifestVersion: z.int().check(z.gte(1)),
    /** day number (days since 1970-01-01 UTC) of the period's first day */
    period: z.int().check(z.gte(0)),
    segments: z.array(SegmentField),
    features: z.optional(FeatureField),
    /** total epsilon this report spends: eps of every ldp segment field plus the feature field's */
    epsilon: z.number().check(z.gte(0)),
  })
  .check(
    z.superRefine((r, ctx) => {
      const spent = reportEpsilon(r.segments, r.features);
      if (Math.abs(spent - r.epsilon) > 1e-9)
        ctx.issues.push({
          code: 'custom',
          message: `epsilon must equal the sum of the fields' eps (${spent})`,
          path: ['epsilon'],
          input: r.epsilon,
        });
    }),
  );
export type Report = z.infer<typeof Report>;

/** A report's total epsilon: eps of every ldp segment field plus the feature field's (PRIVACY.md "Budget"). */
export function reportEpsilon(segments: readonly SegmentField[], features: FeatureField | undefined): number {
  return segments.reduce((s, f) => s + (f.channel === 'ldp' ? f.eps : 0), 0) + (features?.eps ?? 0);
}

export const ReportBatch = /* @__PURE__ */ z.strictObject({
  reports: z.array(Report).check(z.minLength(1), z.maxLength(100)),
});
export type ReportBatch = z.infer<typeof ReportBatch>;

// ---------------------------------------------------------------------------------------------
// Estimates (collector -> data scientists): GET /v1/sites/:site/estimates
// ---------------------------------------------------------------------------------------------

/** A point estimate with its standard error and 95% interval; null where the cell is suppressed. */
export const Estimate = /* @__PURE__ */ z.object({
  value: z.number(),
  se: z.number(),
  lo: z.number(),
  hi: z.number(),
});
export type Estimate = z.infer<typeof Estimate>;

export const SiteEstimates = /* @__PURE__ */ z.object({
  site: z.string(),
  manifestVersion: z.int(),
  generatedAt: z.string(),
  kThreshold: z.int(),
  /** reports counted (this site and manifest version) */
  reports: z.int(),
  models: z.array(
    z.object({
      model: z.string(),
      purpose: Purpose,
      /** reports that carry a field for this model, by channel */
      n: z.object({ clear: z.int(), ldp: z.int() }),
      segments: z.array(
        z.object({
          id: z.string(),
          name: z.string(),
          /** reports backing this cell (clear count, or estimated count for ldp) */
          support: z.number(),
          suppressed: z.boolean(),
          share: z.nullable(Estimate),
          /** per-feature means within the segment, in the manifest's feature order (normalised scale) */
          featureMeans: z.array(z.object({ feature: z.string(), estimate: z.nullable(Estimate) })),
        }),
      ),
    }),
  ),
  /** population means per feature (normalised scale) */
  features: z.array(
    z.object({ feature: z.string(), n: z.int(), suppressed: z.boolean(), estimate: z.nullable(Estimate) }),
  ),
});
export type SiteEstimates = z.infer<typeof SiteEstimates>;

// ---------------------------------------------------------------------------------------------
// Device storage (IndexedDB in the worker)
// ---------------------------------------------------------------------------------------------

export const OutboxItem = /* @__PURE__ */ z.object({
  id: z.string(),
  report: Report,
  createdAt: z.number(),
  attempts: z.int(),
  nextAttemptAt: z.number(),
});
export type OutboxItem = z.infer<typeof OutboxItem>;

/** One spend of privacy budget: what the accountant sums over the rolling window. */
export const BudgetSpend = /* @__PURE__ */ z.object({
  reportId: z.string(),
  site: z.string(),
  period: z.int(),
  day: z.int(),
  epsilon: z.number(),
});
export type BudgetSpend = z.infer<typeof BudgetSpend>;

export const AUDIT_KINDS = [
  'consent-changed',
  'manifest-accepted',
  'manifest-refused',
  'segments-released',
  'report-queued',
  'report-sent',
  'report-dropped',
  'retention',
  'events-dropped',
] as const;
export const AuditEntry = /* @__PURE__ */ z.object({
  id: z.optional(z.int()),
  ts: z.number(),
  kind: z.enum(AUDIT_KINDS),
  detail: z.record(z.string(), z.unknown()),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/** Everything stored on the device, as `exportData()` returns it (right of access). */
export const DeviceExport = /* @__PURE__ */ z.object({
  site: z.string(),
  exportedAt: z.string(),
  persisted: z.boolean(),
  events: z.array(StoredEvent),
  rollups: z.array(Rollup),
  declared: Declared,
  consent: z.nullable(Consent),
  manifest: z.nullable(
    z.object({ version: z.int(), kid: z.string(), acceptedAt: z.number(), payload: z.unknown() }),
  ),
  outbox: z.array(OutboxItem),
  budget: z.array(BudgetSpend),
  audit: z.array(AuditEntry),
});
export type DeviceExport = z.infer<typeof DeviceExport>;

// ---------------------------------------------------------------------------------------------
// SDK configuration
// ---------------------------------------------------------------------------------------------

/** An ES256 public key as a JWK; `kid` is required so a manifest's header can name it. */
export const PublicJwk = /* @__PURE__ */ z.looseObject({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  x: z.string().check(z.minLength(1)),
  y: z.string().check(z.minLength(1)),
  kid: z.string().check(z.minLength(1)),
  d: z.optional(z.never()),
});
export type PublicJwk = z.infer<typeof PublicJwk>;

export const SegmenterOptions = /* @__PURE__ */ z.object({
  site: Identifier,
  manifestUrl: z.string().check(z.minLength(1)),
  collectorUrl: z.string().check(z.minLength(1)),
  publicKeys: z.array(PublicJwk).check(z.minLength(1)),
  workerUrl: z.optional(z.string().check(z.minLength(1))),
  consent: z.optional(ConsentInput),
  /** ms before a call to the worker is rejected with `worker-timeout` (default 15000) */
  timeoutMs: z.optional(z.int().check(z.gte(100))),
  /** ms between automatic report/delivery attempts while the page is open (default 300000) */
  reportIntervalMs: z.optional(z.int().check(z.gte(1000))),
});
export type SegmenterOptions = z.infer<typeof SegmenterOptions>;

// ---------------------------------------------------------------------------------------------
// Provider side: admin API and server storage
// ---------------------------------------------------------------------------------------------
// Only the reference server (src/server) and the refinement step (src/core/refine.ts) use these;
// the browser bundles must drop them. Rollup does not treat a `.check(…)` chain nested in a
// schema's arguments as pure (it keeps the unused schema alive, and with it FeatureSpec, Model…),
// so here every such chain carries its own `/* @__PURE__ */` too.

/** The body of every 4xx/5xx JSON answer of /v1 and /admin/api; `field` names the input at fault. */
export const ApiError = /* @__PURE__ */ z.object({ error: z.string(), field: z.optional(z.string()) });
export type ApiError = z.infer<typeof ApiError>;

/** GET /v1/keys: every public signing key, newest first, each with kid, alg ES256 and use sig. */
export const PublicJwks = /* @__PURE__ */ z.object({ keys: z.array(PublicJwk) });
export type PublicJwks = z.infer<typeof PublicJwks>;

/** POST /v1/reports answers 202 with this: reports stored, and reports skipped as already stored (by id). */
export const ReportsAccepted = /* @__PURE__ */ z.object({ accepted: z.int(), duplicates: z.int() });
export type ReportsAccepted = z.infer<typeof ReportsAccepted>;

/** An ES256 private key as a JWK, as the server stores it; loose, since jose may add members (kid, alg). */
export const PrivateJwk = /* @__PURE__ */ z.looseObject({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  x: /* @__PURE__ */ z.string().check(z.minLength(1)),
  y: /* @__PURE__ */ z.string().check(z.minLength(1)),
  d: /* @__PURE__ */ z.string().check(z.minLength(1)),
});
export type PrivateJwk = z.infer<typeof PrivateJwk>;

/** What an admin edits between publishes (sites.definition); the manifest is this plus version, dates, site and policy. */
export const SiteDefinition = /* @__PURE__ */ z.object({
  features: /* @__PURE__ */ z.array(FeatureSpec).check(z.minLength(1)),
  models: /* @__PURE__ */ z.array(Model).check(z.minLength(1)),
  reporting: Reporting,
  retention: Retention,
});
export type SiteDefinition = z.infer<typeof SiteDefinition>;

/** A site as the store returns it. */
export const SiteRecord = /* @__PURE__ */ z.object({
  id: z.string(),
  name: z.string(),
  origins: z.array(z.string()),
  definition: SiteDefinition,
  /** the working policy; live once published */
  policy: SitePolicy,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type SiteRecord = z.infer<typeof SiteRecord>;

/** One line of the site list: a site and its newest published version (null: nothing published). */
export const SiteSummary = /* @__PURE__ */ z.object({
  id: z.string(),
  name: z.string(),
  currentVersion: z.nullable(z.int()),
  publishedAt: z.nullable(z.string()),
});
export type SiteSummary = z.infer<typeof SiteSummary>;

/** A published version: the manifest, its JWS (never rewritten) and who published it when. */
export const PublishedVersion = /* @__PURE__ */ z.object({
  site: z.string(),
  version: z.int(),
  manifest: Manifest,
  jws: z.string(),
  kid: z.string(),
  publishedAt: z.string(),
  publishedBy: z.string(),
});
export type PublishedVersion = z.infer<typeof PublishedVersion>;

/** A published version without its documents, as version lists show it. */
export const VersionSummary = /* @__PURE__ */ z.omit(PublishedVersion, { manifest: true, jws: true });
export type VersionSummary = z.infer<typeof VersionSummary>;

/** A signing key pair as stored. The private JWK sits in the database: see docs/SERVER.md. */
export const SigningKeyRecord = /* @__PURE__ */ z.object({
  kid: z.string(),
  createdAt: z.string(),
  publicJwk: PublicJwk,
  privateJwk: PrivateJwk,
});
export type SigningKeyRecord = z.infer<typeof SigningKeyRecord>;

/** One audit-log entry (also the audit_log row): who did what, when, to which site and version. */
export const AuditRecord = /* @__PURE__ */ z.object({
  id: z.int(),
  at: z.string(),
  actor: z.string(),
  /** publish, policy-update, refine, key-rotate */
  action: z.string(),
  site: z.nullable(z.string()),
  version: z.nullable(z.int()),
  summary: z.string(),
  detail: z.record(z.string(), z.unknown()),
});
export type AuditRecord = z.infer<typeof AuditRecord>;

/** An audit entry to append; the store assigns the id. */
export const AuditInput = /* @__PURE__ */ z.omit(AuditRecord, { id: true });
export type AuditInput = z.infer<typeof AuditInput>;

/** A row of the sites table (migrations.ts); jsonb columns come back parsed. */
export const SiteRow = /* @__PURE__ */ z.object({
  id: z.string(),
  name: z.string(),
  origins: z.array(z.string()),
  definition: SiteDefinition,
  policy: SitePolicy,
  created_at: z.string(),
  updated_at: z.string(),
});
export type SiteRow = z.infer<typeof SiteRow>;

/** A row of the site_versions table. */
export const VersionRow = /* @__PURE__ */ z.object({
  site: z.string(),
  version: z.int(),
  manifest: Manifest,
  jws: z.string(),
  kid: z.string(),
  published_at: z.string(),
  published_by: z.string(),
});
export type VersionRow = z.infer<typeof VersionRow>;

/** A row of the signing_keys table. */
export const SigningKeyRow = /* @__PURE__ */ z.object({
  kid: z.string(),
  created_at: z.string(),
  public_jwk: PublicJwk,
  private_jwk: PrivateJwk,
});
export type SigningKeyRow = z.infer<typeof SigningKeyRow>;

/** The console's session cookie (HMAC-signed, see src/server/admin/auth.ts): who logged in, and until when (ms since the epoch). */
export const AdminSession = /* @__PURE__ */ z.object({ actor: z.string(), exp: z.number() });
export type AdminSession = z.infer<typeof AdminSession>;

/** GET /admin/api/sites. */
export const SiteList = /* @__PURE__ */ z.object({ sites: z.array(SiteSummary) });
export type SiteList = z.infer<typeof SiteList>;

/**
 * One segment as the console lists it (src/server/catalog.ts): its model's purpose and features,
 * its documentation, the DERIVED education-record flag, and the site policy's verdict.
 */
export const CatalogSegment = /* @__PURE__ */ z.object({
  id: z.string(),
  name: z.string(),
  model: z.string(),
  modelKind: z.enum(['centroids', 'softmax']),
  purpose: Purpose,
  minAgeBand: MinAgeBand,
  features: z.array(
    z.object({
      name: z.string(),
      kind: FeatureKind,
      windowDays: z.int(),
      educationRecord: z.boolean(),
      description: z.nullable(z.string()),
    }),
  ),
  usesEducationRecord: z.boolean(),
  /** the features that make it an education record, by name */
  educationRecordFeatures: z.array(z.string()),
  documentation: SegmentDoc,
  allowed: z.boolean(),
  clear: z.boolean(),
});
export type CatalogSegment = z.infer<typeof CatalogSegment>;

/** GET /admin/api/sites/:site: everything the console shows about one site. */
export const SiteView = /* @__PURE__ */ z.object({
  site: z.object({
    id: z.string(),
    name: z.string(),
    origins: z.array(z.string()),
    createdAt: z.string(),
    updatedAt: z.string(),
  }),
  current: z.nullable(
    z.object({
      version: z.int(),
      publishedAt: z.string(),
      publishedBy: z.string(),
      kid: z.string(),
      issuedAt: z.string(),
      expiresAt: z.string(),
    }),
  ),
  /** the working policy (live once published) and the published one */
  policy: SitePolicy,
  publishedPolicy: z.nullable(SitePolicy),
  /** what the next publish would change (empty: nothing but a re-sign) */
  pending: z.array(z.string()),
  segments: z.array(CatalogSegment),
  manifest: z.nullable(Manifest),
  versions: z.array(VersionSummary),
  reports: z.object({ total: z.int(), currentVersion: z.int() }),
});
export type SiteView = z.infer<typeof SiteView>;

/** PUT /admin/api/sites/:site/policy answers this: the saved working policy, what changed, and that it is not live yet. */
export const PolicyUpdated = /* @__PURE__ */ z.object({
  policy: SitePolicy,
  changes: z.array(z.string()),
  published: z.literal(false),
});
export type PolicyUpdated = z.infer<typeof PolicyUpdated>;

/**
 * What POST /admin/api/sites/:site/publish accepts when the body is not a bare manifest (one with
 * `models`, which the route passes on whole); an empty body is `{}`.
 */
export const PublishInput = /* @__PURE__ */ z.strictObject({
  /** a manifest to publish instead of the working definition; version, dates and site.id are the server's */
  manifest: z.optional(z.looseObject({})),
  /** for the audit log; cut to 500 characters, ignored when empty */
  note: z.optional(z.string()),
});
export type PublishInput = z.infer<typeof PublishInput>;

/** POST /admin/api/sites/:site/publish answers 201 with this. */
export const Published = /* @__PURE__ */ z.object({
  site: z.string(),
  version: z.int(),
  kid: z.string(),
  expiresAt: z.string(),
  /** what changed from the previous version, in words (the audit log's summary) */
  changes: z.array(z.string()),
});
export type Published = z.infer<typeof Published>;

/** Why a segment's centroid stays put in a refinement proposal. */
export const SKIP_REASONS = ['no-estimate', 'suppressed', 'under-min-support', 'means-withheld'] as const;
export const SkipReason = /* @__PURE__ */ z.enum(SKIP_REASONS);
export type SkipReason = z.infer<typeof SkipReason>;

/** One segment's line of a model's refinement proposal (src/core/refine.ts). */
export const SegmentRefinement = /* @__PURE__ */ z.object({
  id: z.string(),
  name: z.string(),
  /** the estimated share with its 95% interval; null when suppressed */
  share: z.nullable(Estimate),
  /** reports backing the cell (clear count or estimated ldp count; 0 when suppressed) */
  support: z.number(),
  /** the estimated means of the model's features, in model.features order; null where withheld */
  means: z.array(z.nullable(Estimate)),
  old: z.array(z.number()),
  /** the undamped Lloyd target (the means clamped to [-1, 1]); null when skipped */
  target: z.nullable(z.array(z.number())),
  proposed: z.array(z.number()),
  /** L2 distance from old to proposed */
  movement: z.number(),
  /** true when maxStep shortened the step towards the target */
  damped: z.boolean(),
  skipped: z.nullable(z.object({ reason: SkipReason, detail: z.string() })),
});
export type SegmentRefinement = z.infer<typeof SegmentRefinement>;

/** One model's proposal: centroid models are refined, softmax models are listed as not refinable. */
export const ModelRefinement = /* @__PURE__ */ z.discriminatedUnion('kind', [
  z.object({
    model: z.string(),
    kind: z.literal('centroids'),
    refinable: z.literal(true),
    purpose: Purpose,
    features: z.array(z.string()),
    /** reports carrying a field for this model, by channel, and in all */
    reports: z.object({ clear: z.int(), ldp: z.int(), total: z.int() }),
    /** whether any centroid moves */
    changed: z.boolean(),
    segments: z.array(SegmentRefinement),
  }),
  z.object({
    model: z.string(),
    kind: z.literal('softmax'),
    refinable: z.literal(false),
    purpose: Purpose,
    reason: z.string(),
  }),
]);
export type ModelRefinement = z.infer<typeof ModelRefinement>;

/** GET /admin/api/sites/:site/refinement: what proposeRefinement returns. */
export const RefinementProposal = /* @__PURE__ */ z.object({
  site: z.string(),
  /** the manifest version whose reports were estimated */
  baseVersion: z.int(),
  /** the version the proposed manifest carries (baseVersion + 1) */
  version: z.int(),
  /** when the estimates were computed */
  generatedAt: z.string(),
  /** reports counted for baseVersion */
  reports: z.int(),
  maxStep: z.number(),
  minSupport: z.number(),
  models: z.array(ModelRefinement),
  /** the models in which at least one centroid moves, in manifest order */
  changedModels: z.array(z.string()),
  /** the manifest with every changed model applied; issuedAt and expiresAt are still the base's */
  manifest: Manifest,
});
export type RefinementProposal = z.infer<typeof RefinementProposal>;

/** What POST /admin/api/sites/:site/refinement/publish accepts; every field is optional. */
export const RefinementPublishInput = /* @__PURE__ */ z.strictObject({
  /** which models' proposals to apply (default: every model whose centroids move) */
  models: z.optional(/* @__PURE__ */ z.array(z.string()).check(z.minLength(1))),
  /** the version the reviewed proposal was for: 409 when another version is current by now */
  version: z.optional(/* @__PURE__ */ z.int().check(z.gte(1))),
  maxStep: z.optional(/* @__PURE__ */ z.number().check(z.positive())),
  minSupport: z.optional(/* @__PURE__ */ z.number().check(z.gte(0))),
  note: z.optional(/* @__PURE__ */ z.string().check(z.maxLength(500))),
});
export type RefinementPublishInput = z.infer<typeof RefinementPublishInput>;

/** POST /admin/api/sites/:site/refinement/publish answers 201 with this. */
export const RefinementPublished = /* @__PURE__ */ z.object({
  site: z.string(),
  version: z.int(),
  kid: z.string(),
  expiresAt: z.string(),
  /** the models whose centroids were replaced */
  models: z.array(z.string()),
  reports: z.int(),
  summary: z.string(),
  changes: z.array(z.string()),
});
export type RefinementPublished = z.infer<typeof RefinementPublished>;

/** GET /admin/api/audit: the audit log, newest first. */
export const AuditLog = /* @__PURE__ */ z.object({ entries: z.array(AuditRecord) });
export type AuditLog = z.infer<typeof AuditLog>;

/** POST /admin/api/keys/rotate answers 201 with this: the new kid, the JWKS, and the sites re-signed with it. */
export const KeysRotated = /* @__PURE__ */ z.object({
  kid: z.string(),
  keys: z.array(PublicJwk),
  republished: z.array(z.object({ site: z.string(), version: z.int() })),
});
export type KeysRotated = z.infer<typeof KeysRotated>;

// ---------------------------------------------------------------------------------------------
// Parsing with errors that name the field
// ---------------------------------------------------------------------------------------------

/** "props.score", "models.0.centroids.2"; the root name prefixes the path when given. */
export function fieldOf(path: readonly PropertyKey[], root?: string): string {
  const parts = path.map((p) => String(p));
  if (root) parts.unshift(root);
  return parts.join('.') || '(root)';
}

/**
 * Parses `value` or throws an EdsegError('invalid-input') whose `field` is the first failing
 * path and whose message lists every issue, so a developer can fix them all at once.
 */
export function parseOrThrow<T extends z.ZodMiniType>(schema: T, value: unknown, root?: string): z.infer<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data as z.infer<T>;
  const issues = r.error.issues;
  const first = issues[0];
  const field = first ? fieldOf(first.path, root) : (root ?? '(root)');
  const detail = issues.map((i) => `${fieldOf(i.path, root)}: ${i.message}`).join('; ');
  throw new EdsegError('invalid-input', `edseg: invalid ${root ?? 'input'}: ${detail}`, field);
}

/** Like parseOrThrow but returns the issues instead of throwing (for the server's 400s). */
export function check<T extends z.ZodMiniType>(
  schema: T,
  value: unknown,
  root?: string,
): { ok: true; value: z.infer<T> } | { ok: false; field: string; message: string } {
  try {
    return { ok: true, value: parseOrThrow(schema, value, root) };
  } catch (e) {
    const err = e as EdsegError;
    return { ok: false, field: err.field ?? '(root)', message: err.message };
  }
}

// ---------------------------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------------------------

export const DAY_MS = 86_400_000;
/** Days since 1970-01-01 UTC. */
export const dayOf = (ts: number): number => Math.floor(ts / DAY_MS);
/** The first day of the reporting period that `day` falls in. */
export const periodOf = (day: number, periodDays: number): number =>
  Math.floor(day / periodDays) * periodDays;
