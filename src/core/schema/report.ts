/**
 * Reports (device -> collector). Exactly the fields PRIVACY.md lists; strict objects reject extras.
 * Also the collector's estimates (GET /v1/sites/:site/estimates).
 */
import * as z from 'zod/mini';
import { Finite, Identifier, Purpose } from './atoms.js';

/** One perturbed segment id, as the report's ldp field carries it (src/core/privacy/segment.ts). */
export const SegmentResponse = /* @__PURE__ */ z.discriminatedUnion('oracle', [
  z.object({ oracle: z.literal('grr'), value: z.int() }),
  z.object({ oracle: z.literal('oue'), bits: z.array(z.union([z.literal(0), z.literal(1)])) }),
]);
export type SegmentResponse = z.infer<typeof SegmentResponse>;

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

/** The most reports one POST /v1/reports may carry. */
export const MAX_BATCH_REPORTS = 100;

export const ReportBatch = /* @__PURE__ */ z.strictObject({
  reports: /* @__PURE__ */ z.array(Report).check(z.minLength(1), z.maxLength(MAX_BATCH_REPORTS)),
});
export type ReportBatch = z.infer<typeof ReportBatch>;

/** A point estimate with its standard error and 95% interval; null where the cell is suppressed. */
export const Estimate = /* @__PURE__ */ z.object({
  value: z.number(),
  se: z.number(),
  lo: z.number(),
  hi: z.number(),
});
export type Estimate = z.infer<typeof Estimate>;

/** The shape of a site's estimates, with `count` for every count and `support` for a cell's support. */
const estimatesShape = <C extends z.ZodMiniType, S extends z.ZodMiniType>(count: C, support: S) =>
  z.object({
    site: z.string(),
    manifestVersion: z.int(),
    generatedAt: z.string(),
    kThreshold: z.int(),
    /** reports counted (this site and manifest version) */
    reports: count,
    models: z.array(
      z.object({
        model: z.string(),
        purpose: Purpose,
        /** reports that carry a field for this model, by channel */
        n: z.object({ clear: count, ldp: count }),
        segments: z.array(
          z.object({
            id: z.string(),
            name: z.string(),
            /** reports backing this cell (clear count, or estimated count for ldp) */
            support,
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
      z.object({ feature: z.string(), n: count, suppressed: z.boolean(), estimate: z.nullable(Estimate) }),
    ),
  });

/** What estimateSite computes (src/core/privacy/estimate.ts): exact counts, supports withheld as 0 in suppressed cells. */
export const SiteEstimates = /* @__PURE__ */ estimatesShape(z.int(), z.number());
export type SiteEstimates = z.infer<typeof SiteEstimates>;

/** A count as the server publishes it: rounded to the nearest `rounding`; null when under kThreshold. */
const PublishedCount = /* @__PURE__ */ z.nullable(z.int());

/**
 * The estimates every view publishes (GET /v1/sites/:site/estimates, the admin API and console):
 * counts and supports rounded, every count under kThreshold null, cells suppressed so that none
 * can be recovered from the totals, shares from the rounded counts (src/server/estimates/disclosure.ts).
 */
export const PublishedEstimates = /* @__PURE__ */ z.extend(estimatesShape(PublishedCount, PublishedCount), {
  /** counts and supports are multiples of this */
  rounding: z.int(),
  /** the reporting periods counted, by first day, ascending */
  periods: z.array(z.int()),
  /** whether the live period (not yet closed) is counted: only in the signed-in admin views */
  live: z.boolean(),
  /** the series counted: the reports of every version in `versions` are pooled (src/server/estimates/series.ts) */
  series: z.string(),
  /** the versions of the series, ascending (manifestVersion is one of them) */
  versions: z.array(z.int()),
  /** the signed-in admin views only: the same estimates period by period, ascending, the live one included */
  timeline: z.optional(
    z.array(
      z.extend(
        z.pick(estimatesShape(PublishedCount, PublishedCount), {
          reports: true,
          models: true,
          features: true,
        }),
        {
          /** the period's first day (day number) */
          period: z.int(),
          /** the first day as an ISO date */
          start: z.string(),
          /** whether the period is still open */
          live: z.boolean(),
        },
      ),
    ),
  ),
});
export type PublishedEstimates = z.infer<typeof PublishedEstimates>;
export type PeriodEstimates = NonNullable<PublishedEstimates['timeline']>[number];
