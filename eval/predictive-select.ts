/**
 * Part C's models and their selection (docs/EVALUATION.md "Model selection"): a candidate is a
 * feature set, a model kind, its hyper-parameters and whether other modules' earlier presentations
 * join its training rows (`pooled`, module-agnostic feature sets only); the candidate of each kind
 * is chosen by stratified 5-fold cross-validation (mean held-out AUC) inside the training
 * presentations only: the held-out folds are always the module's own training rows, pooled rows
 * only ever train, each fold fits its own normalisation, and the test presentation is never looked at.
 */
import { normalise } from '../src/core/features.js';
import { assignReference } from '../src/core/model.js';
import { auc, stratifiedFolds } from '../src/core/science/metrics.js';
import type { FeatureSpec, Model } from '../src/core/schema.js';
import { seededRandom } from '../src/privacy.js';
import { mlpModel, trainMlp } from '../src/server/science/mlp.js';
import { trainSoftmax } from '../src/server/science/softmax.js';
import { softmaxModel } from '../src/server/science/train.js';
import { fitSpecs, type FeatureSet } from './predictive-features.js';

/** One candidate: a feature set, a model kind, its hyper-parameters, and pooled (other modules' rows train too). */
export type Candidate =
  | { set: FeatureSet; kind: 'softmax'; l2: number; pooled?: boolean }
  | { set: FeatureSet; kind: 'mlp'; l2: number; hidden: number[]; pooled?: boolean };

/** The name of a candidate in tables ("softmax weekly l2=0.01", "mlp compact pooled 16x8 l2=0.01"). */
export const candidateName = (c: Candidate): string =>
  `${c.kind} ${c.set}${c.pooled ? ' pooled' : ''}${c.kind === 'mlp' ? ` ${c.hidden.join('x')}` : ''} l2=${c.l2}`;

const SETS = ['summary', 'weekly', 'weeklyTotals', 'compact'] as const;
/** The candidates of the on-device softmax; the baseline is fixed (plain features, l2 0.01). */
export const SOFTMAX_CANDIDATES: Candidate[] = SETS.flatMap((set) =>
  [0.001, 0.01, 0.1].map((l2) => ({ set, kind: 'softmax' as const, l2 })),
);
/** The candidates of the on-device mlp (trainMlp's defaults otherwise: Adam 0.01, early stopping, class weights). */
export const MLP_CANDIDATES: Candidate[] = (['summary', 'weeklyTotals', 'compact'] as const).flatMap((set) =>
  [[8], [16, 8]].flatMap((hidden) => [0.001, 0.01].map((l2) => ({ set, kind: 'mlp' as const, l2, hidden }))),
);
/** The pooled candidates, cross-validated only where another module has a presentation earlier than the test one. */
export const POOLED_CANDIDATES: Candidate[] = [
  ...[0.001, 0.01, 0.1].map((l2) => ({
    set: 'compact' as const,
    kind: 'softmax' as const,
    l2,
    pooled: true,
  })),
  ...[[8], [16, 8]].flatMap((hidden) =>
    [0.001, 0.01].map((l2) => ({ set: 'compact' as const, kind: 'mlp' as const, l2, hidden, pooled: true })),
  ),
];
export const BASELINE: Candidate = { set: 'plain', kind: 'softmax', l2: 0.01 };

/** Rows that only ever train (other modules' earlier presentations), with their labels. */
export type Pool = { raw: readonly (readonly number[])[]; atRisk: readonly boolean[] };

/** A fitted model: the specs with their normalisation, the manifest model, and p(at risk) for raw rows. */
export type Fitted = {
  specs: FeatureSpec[];
  model: Model;
  /** the normalised rows (what the device computes) */
  x: (raw: readonly (readonly number[])[]) => number[][];
  /** p(at risk) from the device's code */
  p: (raw: readonly (readonly number[])[]) => number[];
};

/** Fits `c` on raw rows `raw` (features `specs`) with labels `atRisk`; p comes from the device's code (assignReference). */
export async function fitCandidate(
  c: Candidate,
  specs: FeatureSpec[],
  raw: readonly (readonly number[])[],
  atRisk: readonly boolean[],
): Promise<Fitted> {
  const fitted = fitSpecs(specs, raw);
  const norm = (rows: readonly (readonly number[])[]) =>
    rows.map((r) => r.map((v, j) => normalise(v, fitted[j]!)));
  const y = atRisk.map((r) => (r ? 0 : 1)); // class 0 = at-risk, as the segments are ordered
  const args: [string, 'instruction', string[], string[]] = [
    'at-risk',
    'instruction',
    fitted.map((s) => s.name),
    ['at-risk', 'not-at-risk'],
  ];
  const docs = [() => 'see docs/EVALUATION.md Part C', 'OULAD', '2025-01-01'] as const;
  const model: Model =
    c.kind === 'mlp'
      ? mlpModel(...args, await trainMlp(norm(raw), y, 2, { hidden: c.hidden, l2: c.l2, seed: 21 }), ...docs)
      : softmaxModel(...args, await trainSoftmax(norm(raw), y, 2, { l2: c.l2 }), ...docs);
  return {
    specs: fitted,
    model,
    x: norm,
    p: (rows) => norm(rows).map((x) => assignReference(model, x).scores[0]!),
  };
}

/**
 * The mean held-out AUC of `c` over stratified `folds`-fold cross-validation of the rows (seeded);
 * the rows of `pool` join every fold's training rows and are never held out.
 */
export async function crossValidate(
  c: Candidate,
  specs: FeatureSpec[],
  raw: readonly (readonly number[])[],
  atRisk: readonly boolean[],
  folds = 5,
  seed = 21,
  pool: Pool = { raw: [], atRisk: [] },
): Promise<number> {
  const rng = seededRandom(seed);
  const order = raw.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const fold = stratifiedFolds(
    atRisk.map((r) => (r ? 1 : 0)),
    folds,
    order,
  );
  let sum = 0;
  for (let f = 0; f < folds; f++) {
    const tr = order.filter((i) => fold[i] !== f);
    const te = order.filter((i) => fold[i] === f);
    const m = await fitCandidate(
      c,
      specs,
      [...tr.map((i) => raw[i]!), ...pool.raw],
      [...tr.map((i) => atRisk[i]!), ...pool.atRisk],
    );
    sum += auc(
      m.p(te.map((i) => raw[i]!)),
      te.map((i) => atRisk[i]!),
    );
  }
  return sum / folds;
}

/** Each candidate's cross-validated AUC and the best (first of the highest); `poolOf` gives a pooled candidate's extra rows. */
export async function select(
  candidates: readonly Candidate[],
  specsOf: (set: FeatureSet) => FeatureSpec[],
  rawOf: (set: FeatureSet) => number[][],
  atRisk: readonly boolean[],
  poolOf: (set: FeatureSet) => Pool = () => ({ raw: [], atRisk: [] }),
): Promise<{ best: Candidate; cv: { candidate: Candidate; auc: number }[] }> {
  const cv: { candidate: Candidate; auc: number }[] = [];
  for (const c of candidates) {
    const pool = c.pooled ? poolOf(c.set) : undefined;
    cv.push({ candidate: c, auc: await crossValidate(c, specsOf(c.set), rawOf(c.set), atRisk, 5, 21, pool) });
  }
  const best = cv.reduce((a, b) => (b.auc > a.auc ? b : a));
  return { best: best.candidate, cv };
}
