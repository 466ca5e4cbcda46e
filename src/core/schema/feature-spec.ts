/** Feature specification (declarative, published in the manifest), and the rule it sets for rollups. */
import * as z from 'zod/mini';
import { Finite, Identifier, Text } from './atoms.js';

export const FEATURE_KINDS = [
  'count',
  'sum',
  'mean',
  'distinctDays',
  'recencyDays',
  'firstDays',
  'longestGapDays',
  'ratio',
  'declared',
] as const;
export const FeatureKind = /* @__PURE__ */ z.enum(FEATURE_KINDS);
export type FeatureKind = z.infer<typeof FeatureKind>;

export const Normalisation = /* @__PURE__ */ z.discriminatedUnion('kind', [
  /** the clip range [lo, hi] maps linearly onto [-1, 1] */
  /* @__PURE__ */ z.strictObject({ kind: /* @__PURE__ */ z.literal('minmax') }),
  /** (x - mean) / sd, divided by `scale` (default 3) and clipped to [-1, 1] */
  /* @__PURE__ */ z.strictObject({
    kind: /* @__PURE__ */ z.literal('zscore'),
    mean: Finite,
    sd: /* @__PURE__ */ z.number().check(/* @__PURE__ */ z.positive()),
    scale: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.number().check(/* @__PURE__ */ z.positive())),
  }),
]);
export type Normalisation = z.infer<typeof Normalisation>;

/**
 * One engagement feature. Semantics over the window of `windowDays` days ending `windowEndDays`
 * (default 0) days before today, i.e. days (end - windowDays, end] with end = today - windowEndDays
 * (so one feature per week of a period is a windowDays 7 feature at windowEndDays 0, 7, 14, ...):
 * - count:        number of `events`
 * - sum / mean:   sum / mean of numeric `prop` over `events`
 * - distinctDays: days with at least one of `events`
 * - recencyDays:  days from the last of `events` to the window's end (windowDays when none)
 * - firstDays:    days from the first of `events` to the window's end (0 when none: not started)
 * - longestGapDays: the longest run of consecutive days of the window without any of `events`
 *                 (windowDays when none)
 * - ratio:        (sum of `prop`, or count when no prop, over `events`) / count of `denominator` events
 *                 (default: `events`); 0 when the denominator is 0
 * - declared:     `values[declared[key]]` (already in [-1, 1]), `default` (0) when not declared
 * Then `transform`, then clip to [lo, hi], then normalise to [-1, 1].
 */
export const FeatureSpec = /* @__PURE__ */ z
  .strictObject({
    name: Identifier,
    kind: FeatureKind,
    events: /* @__PURE__ */ z.array(Identifier),
    prop: /* @__PURE__ */ z.optional(Identifier),
    denominator: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.array(Identifier)),
    key: /* @__PURE__ */ z.optional(Identifier),
    values: /* @__PURE__ */ z.optional(
      /* @__PURE__ */ z.record(
        /* @__PURE__ */ z.string(),
        /* @__PURE__ */ z.number().check(/* @__PURE__ */ z.gte(-1), /* @__PURE__ */ z.lte(1)),
      ),
    ),
    default: /* @__PURE__ */ z.optional(
      /* @__PURE__ */ z.number().check(/* @__PURE__ */ z.gte(-1), /* @__PURE__ */ z.lte(1)),
    ),
    windowDays: /* @__PURE__ */ z.int().check(/* @__PURE__ */ z.gte(1), /* @__PURE__ */ z.lte(366)),
    /** the window ends this many days before today (default 0: today) */
    windowEndDays: /* @__PURE__ */ z.optional(
      /* @__PURE__ */ z.int().check(/* @__PURE__ */ z.gte(0), /* @__PURE__ */ z.lte(365)),
    ),
    transform: /* @__PURE__ */ z.enum(['none', 'log1p', 'sqrt']),
    clip: /* @__PURE__ */ z.tuple([Finite, Finite]),
    normalisation: Normalisation,
    /** Reads an education record (scores, grades, assessment results): FERPA applies. */
    educationRecord: /* @__PURE__ */ z.boolean(),
    description: /* @__PURE__ */ z.optional(/* @__PURE__ */ Text(500)),
  })
  .check(
    /* @__PURE__ */ z.superRefine((f, ctx) => {
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
      if (f.windowDays + (f.windowEndDays ?? 0) > 366)
        ctx.issues.push({
          code: 'custom',
          message: 'windowDays + windowEndDays must be at most 366',
          path: ['windowEndDays'],
          input: f.windowEndDays,
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

/** How many days back (today included) the worker must read rollups: the furthest reach of an event window. */
export function rollupWindowDays(specs: FeatureSpec[]): number {
  return specs.reduce(
    (m, s) => (s.kind === 'declared' ? m : Math.max(m, s.windowDays + (s.windowEndDays ?? 0))),
    0,
  );
}
