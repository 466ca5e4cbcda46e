/**
 * Reports (device -> collector). Exactly the fields PRIVACY.md lists; strict objects reject extras.
 * Also the collector's estimates (GET /v1/sites/:site/estimates).
 */
import * as z from 'zod/mini';
import { Finite, Identifier, Purpose } from './atoms.js';

/** One perturbed segment id, as the report's ldp field carries it (src/core/privacy/segment.ts). */
export const SegmentResponse = /* @__PURE__ */ z.discriminatedUnion('oracle', [
  /* @__PURE__ */ z.object({ oracle: /* @__PURE__ */ z.literal('grr'), value: /* @__PURE__ */ z.int() }),
  /* @__PURE__ */ z.object({
    oracle: /* @__PURE__ */ z.literal('oue'),
    bits: /* @__PURE__ */ z.array(
      /* @__PURE__ */ z.union([/* @__PURE__ */ z.literal(0), /* @__PURE__ */ z.literal(1)]),
    ),
  }),
]);
export type SegmentResponse = z.infer<typeof SegmentResponse>;

export const SegmentField = /* @__PURE__ */ z.discriminatedUnion('channel', [
  /* @__PURE__ */ z.strictObject({
    model: Identifier,
    channel: /* @__PURE__ */ z.literal('clear'),
    segment: Identifier,
  }),
  /* @__PURE__ */ z
    .strictObject({
      model: Identifier,
      channel: /* @__PURE__ */ z.literal('ldp'),
      eps: /* @__PURE__ */ z.number().check(/* @__PURE__ */ z.positive()),
      k: /* @__PURE__ */ z.int().check(/* @__PURE__ */ z.gte(2)),
      oracle: /* @__PURE__ */ z.enum(['grr', 'oue']),
      /** grr: the reported index */
      value: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.int().check(/* @__PURE__ */ z.gte(0))),
      /** oue: the perturbed one-hot vector */
      bits: /* @__PURE__ */ z.optional(
        /* @__PURE__ */ z.array(
          /* @__PURE__ */ z.union([/* @__PURE__ */ z.literal(0), /* @__PURE__ */ z.literal(1)]),
        ),
      ),
    })
    .check(
      /* @__PURE__ */ z.superRefine((f, ctx) => {
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
    eps: /* @__PURE__ */ z.number().check(/* @__PURE__ */ z.positive()),
    /** number of features in the manifest's feature list (the vector's length) */
    d: /* @__PURE__ */ z.int().check(/* @__PURE__ */ z.gte(1)),
    mechanism: /* @__PURE__ */ z.enum(['duchi', 'piecewise', 'hybrid']),
    /** the sampled dimensions (indices into the manifest's features) */
    dims: /* @__PURE__ */ z.array(/* @__PURE__ */ z.int().check(/* @__PURE__ */ z.gte(0))),
    /** noised, scaled values for `dims`, in the same order */
    values: /* @__PURE__ */ z.array(Finite),
  })
  .check(
    /* @__PURE__ */ z.superRefine((f, ctx) => {
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
    id: /* @__PURE__ */ z
      .string()
      .check(/* @__PURE__ */ z.regex(/^[0-9a-f]{32}$/, 'must be 32 lowercase hex characters')),
    site: Identifier,
    manifestVersion: /* @__PURE__ */ z.int().check(/* @__PURE__ */ z.gte(1)),
    /** day number (days since 1970-01-01 UTC) of the period's first day */
    period: /* @__PURE__ */ z.int().check(/* @__PURE__ */ z.gte(0)),
    segments: /* @__PURE__ */ z.array(SegmentField),
    features: /* @__PURE__ */ z.optional(FeatureField),
    /** total epsilon this report spends: eps of every ldp segment field plus the feature field's */
    epsilon: /* @__PURE__ */ z.number().check(/* @__PURE__ */ z.gte(0)),
  })
  .check(
    /* @__PURE__ */ z.superRefine((r, ctx) => {
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
  reports: /* @__PURE__ */ z
    .array(Report)
    .check(/* @__PURE__ */ z.minLength(1), /* @__PURE__ */ z.maxLength(MAX_BATCH_REPORTS)),
});
export type ReportBatch = z.infer<typeof ReportBatch>;

/** A point estimate with its standard error and 95% interval; null where the cell is suppressed. */
export const Estimate = /* @__PURE__ */ z.object({
  value: /* @__PURE__ */ z.number(),
  se: /* @__PURE__ */ z.number(),
  lo: /* @__PURE__ */ z.number(),
  hi: /* @__PURE__ */ z.number(),
});
export type Estimate = z.infer<typeof Estimate>;

/** The shape of a site's estimates, with `count` for every count and `support` for a cell's support. */
const estimatesShape = <C extends z.ZodMiniType, S extends z.ZodMiniType>(count: C, support: S) =>
  /* @__PURE__ */ z.object({
    site: /* @__PURE__ */ z.string(),
    manifestVersion: /* @__PURE__ */ z.int(),
    generatedAt: /* @__PURE__ */ z.string(),
    kThreshold: /* @__PURE__ */ z.int(),
    /** reports counted (this site and manifest version) */
    reports: count,
    models: /* @__PURE__ */ z.array(
      /* @__PURE__ */ z.object({
        model: /* @__PURE__ */ z.string(),
        purpose: Purpose,
        /** reports that carry a field for this model, by channel */
        n: /* @__PURE__ */ z.object({ clear: count, ldp: count }),
        segments: /* @__PURE__ */ z.array(
          /* @__PURE__ */ z.object({
            id: /* @__PURE__ */ z.string(),
            name: /* @__PURE__ */ z.string(),
            /** reports backing this cell (clear count, or estimated count for ldp) */
            support,
            suppressed: /* @__PURE__ */ z.boolean(),
            share: /* @__PURE__ */ z.nullable(Estimate),
            /** per-feature means within the segment, in the manifest's feature order (normalised scale) */
            featureMeans: /* @__PURE__ */ z.array(
              /* @__PURE__ */ z.object({
                feature: /* @__PURE__ */ z.string(),
                estimate: /* @__PURE__ */ z.nullable(Estimate),
              }),
            ),
          }),
        ),
      }),
    ),
    /** population means per feature (normalised scale) */
    features: /* @__PURE__ */ z.array(
      /* @__PURE__ */ z.object({
        feature: /* @__PURE__ */ z.string(),
        n: count,
        suppressed: /* @__PURE__ */ z.boolean(),
        estimate: /* @__PURE__ */ z.nullable(Estimate),
      }),
    ),
  });

/** What estimateSite computes (src/core/privacy/estimate.ts): exact counts, supports withheld as 0 in suppressed cells. */
export const SiteEstimates = /* @__PURE__ */ estimatesShape(
  /* @__PURE__ */ z.int(),
  /* @__PURE__ */ z.number(),
);
export type SiteEstimates = z.infer<typeof SiteEstimates>;

/** A count as the server publishes it: rounded to the nearest `rounding`; null when under kThreshold. */
const PublishedCount = /* @__PURE__ */ z.nullable(/* @__PURE__ */ z.int());

/**
 * The estimates every view publishes (GET /v1/sites/:site/estimates, the admin API and console):
 * counts and supports rounded, every count under kThreshold null, cells suppressed so that none
 * can be recovered from the totals, shares from the rounded counts (src/server/estimates/disclosure.ts).
 */
export const PublishedEstimates = /* @__PURE__ */ z.extend(estimatesShape(PublishedCount, PublishedCount), {
  /** counts and supports are multiples of this */
  rounding: /* @__PURE__ */ z.int(),
  /** the reporting periods counted, by first day, ascending */
  periods: /* @__PURE__ */ z.array(/* @__PURE__ */ z.int()),
  /** whether the live period (not yet closed) is counted: only in the signed-in admin views */
  live: /* @__PURE__ */ z.boolean(),
  /** the series counted: the reports of every version in `versions` are pooled (src/server/estimates/series.ts) */
  series: /* @__PURE__ */ z.string(),
  /** the versions of the series, ascending (manifestVersion is one of them) */
  versions: /* @__PURE__ */ z.array(/* @__PURE__ */ z.int()),
  /** the signed-in admin views only: the same estimates period by period, ascending, the live one included */
  timeline: /* @__PURE__ */ z.optional(
    /* @__PURE__ */ z.array(
      /* @__PURE__ */ z.extend(
        /* @__PURE__ */ z.pick(estimatesShape(PublishedCount, PublishedCount), {
          reports: true,
          models: true,
          features: true,
        }),
        {
          /** the period's first day (day number) */
          period: /* @__PURE__ */ z.int(),
          /** the first day as an ISO date */
          start: /* @__PURE__ */ z.string(),
          /** whether the period is still open */
          live: /* @__PURE__ */ z.boolean(),
        },
      ),
    ),
  ),
});
export type PublishedEstimates = z.infer<typeof PublishedEstimates>;
export type PeriodEstimates = NonNullable<PublishedEstimates['timeline']>[number];
