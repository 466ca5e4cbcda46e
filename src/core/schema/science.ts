/**
 * The admin API's science requests (src/server/science/routes.ts): a fit or a training of an
 * uploaded learner CSV, run by the server in a worker thread (src/server/science/jobs.ts), and the
 * job it runs as; and the drift report (GET …/drift). Server-only like server.ts; each `.check(…)` nested in arguments is annotated pure.
 */
import * as z from 'zod/mini';
import { Purpose, Text } from './atoms.js';

/** What fit and train share: the CSV text and how to read its columns. */
const LearnerTable = {
  /** the learner CSV's text: a header, one row per learner */
  csv: /* @__PURE__ */ z.string().check(/* @__PURE__ */ z.minLength(1)),
  /** a name for the CSV in messages and the draft's documentation (default upload.csv) */
  file: /* @__PURE__ */ z.optional(/* @__PURE__ */ Text(200)),
  idColumn: /* @__PURE__ */ z.optional(/* @__PURE__ */ Text(200)),
  /** the feature columns, comma-separated (default: every column but the id and label) */
  features: /* @__PURE__ */ z.optional(/* @__PURE__ */ Text(2000)),
  seed: /* @__PURE__ */ z.optional(
    /* @__PURE__ */ z.int().check(/* @__PURE__ */ z.minimum(0), /* @__PURE__ */ z.maximum(2 ** 31)),
  ),
  modelId: /* @__PURE__ */ z.optional(/* @__PURE__ */ Text(64)),
  purpose: /* @__PURE__ */ z.optional(Purpose),
};

/** POST /admin/api/sites/:site/fit. */
export const FitRequest = /* @__PURE__ */ z.object({
  ...LearnerTable,
  /** one k or a range such as 2..8 (default 2..8), within the server's cap */
  k: /* @__PURE__ */ z.optional(/* @__PURE__ */ Text(20)),
  restarts: /* @__PURE__ */ z.optional(
    /* @__PURE__ */ z.int().check(/* @__PURE__ */ z.minimum(1), /* @__PURE__ */ z.maximum(20)),
  ),
  /** the k of the draft model (default: the best) */
  choose: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.int().check(/* @__PURE__ */ z.minimum(2))),
  /** true: the answer carries the four charts (SVG) of the chosen k, as `edseg-admin fit --out` writes them */
  charts: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.boolean()),
});
export type FitRequest = z.infer<typeof FitRequest>;

/** POST /admin/api/sites/:site/train. */
export const TrainRequest = /* @__PURE__ */ z.object({
  ...LearnerTable,
  /** the class column */
  label: /* @__PURE__ */ Text(200),
  folds: /* @__PURE__ */ z.optional(
    /* @__PURE__ */ z.int().check(/* @__PURE__ */ z.minimum(2), /* @__PURE__ */ z.maximum(20)),
  ),
  l2: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.number().check(/* @__PURE__ */ z.minimum(0))),
  /** softmax (default: L2 multinomial logistic regression) or mlp (a small dense network) */
  model: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.enum(['softmax', 'mlp'])),
  /** the mlp's hidden layer widths: one or two, each 1 to 256 (default [16]) */
  hidden: /* @__PURE__ */ z.optional(
    /* @__PURE__ */ z
      .array(/* @__PURE__ */ z.int().check(/* @__PURE__ */ z.minimum(1), /* @__PURE__ */ z.maximum(256)))
      .check(/* @__PURE__ */ z.minLength(1), /* @__PURE__ */ z.maxLength(2)),
  ),
});
export type TrainRequest = z.infer<typeof TrainRequest>;

/** A science job as GET …/jobs, a 409 and a cancel name it. */
export const ScienceJob = /* @__PURE__ */ z.object({
  id: /* @__PURE__ */ z.string(),
  site: /* @__PURE__ */ z.string(),
  kind: /* @__PURE__ */ z.enum(['fit', 'train']),
  actor: /* @__PURE__ */ z.string(),
  startedAt: /* @__PURE__ */ z.string(),
  /** the last progress line the job posted */
  progress: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.string()),
});
export type ScienceJob = z.infer<typeof ScienceJob>;

/** One checked drift cell (src/core/science/drift.ts): `what` is "share" or the feature a per-segment mean is of. */
export const DriftFlag = /* @__PURE__ */ z.object({
  period: z.int(),
  model: z.string(),
  segment: z.string(),
  what: z.string(),
  value: z.number(),
  se: z.number(),
  baseline: z.number(),
  baselineSe: z.number(),
  /** how many earlier periods the baseline pools */
  periods: z.int(),
  z: z.number(),
  flagged: z.boolean(),
});
export type DriftFlag = z.infer<typeof DriftFlag>;

/** GET /admin/api/sites/:site/drift (and edseg-admin drift --json): drift over the version's series, through the disclosure gate. */
export const SiteDrift = /* @__PURE__ */ z.object({
  site: z.string(),
  version: z.int(),
  /** the series drift ran over (the versions sharing the version's models and reporting) */
  series: z.string(),
  versions: z.array(z.int()),
  periodDays: z.int(),
  /** each period of the series, oldest first, its reports as the gate publishes them (null under kThreshold) */
  periods: z.array(z.object({ period: z.int(), reports: z.nullable(z.int()), live: z.boolean() })),
  /** every flagged move, newest period first */
  flags: z.array(DriftFlag),
  /** how many cells were checked (cells the gate publishes, with an earlier published period) */
  checked: z.int(),
  /** the flagging threshold on |z| */
  z: z.number(),
  /** the flags chance alone would raise among the checked cells: checked x P(|Z| > z), to 0.1 */
  expectedFalseFlags: z.number(),
  /** where to act on a flag */
  links: z.object({ refit: z.string(), fit: z.string(), refinement: z.string() }),
});
export type SiteDrift = z.infer<typeof SiteDrift>;
