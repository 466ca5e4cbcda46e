/**
 * Part C's models and their selection (docs/EVALUATION.md "Model selection"): a candidate is a
 * feature set, a model kind and its hyper-parameters; the candidate of each kind is chosen by
 * stratified 5-fold cross-validation (mean held-out AUC) inside the training presentations only,
 * each fold fitting its own normalisation, and the test presentation is never looked at.
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

/** One candidate: a feature set, a model kind and its hyper-parameters. */
export type Candidate =
  | { set: FeatureSet; kind: 'softmax'; l2: number }
  | { set: FeatureSet; kind: 'mlp'; l2: number; hidden: number[] };

/** The name of a candidate in tables ("softmax weekly l2=0.01", "mlp summary 16x8 l2=0.1"). */
export const candidateName = (c: Candidate): string =>
  `${c.kind} ${c.set}${c.kind === 'mlp' ? ` ${c.hidden.join('x')}` : ''} l2=${c.l2}`;

/** The candidates of the on-device softmax; the baseline is fixed (plain features, l2 0.01). */
export const SOFTMAX_CANDIDATES: Candidate[] = (['summary', 'weekly', 'weeklyTotals'] as const).flatMap(
  (set) => [0.001, 0.01, 0.1, 1].map((l2) => ({ set, kind: 'softmax' as const, l2 })),
);
/** The candidates of the on-device mlp (trainMlp's defaults otherwise: Adam 0.01, early stopping, class weights). */
export const MLP_CANDIDATES: Candidate[] = (['summary', 'weekly', 'weeklyTotals'] as const).flatMap((set) =>
  [[8], [16, 8]].flatMap((hidden) => [0.01, 0.1].map((l2) => ({ set, kind: 'mlp' as const, l2, hidden }))),
);
export const BASELINE: Candidate = { set: 'plain', kind: 'softmax', l2: 0.01 };

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

/** The mean held-out AUC of `c` over stratified `folds`-fold cross-validation of the rows (seeded). */
export async function crossValidate(
  c: Candidate,
  specs: FeatureSpec[],
  raw: readonly (readonly number[])[],
  atRisk: readonly boolean[],
  folds = 5,
  seed = 21,
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
      tr.map((i) => raw[i]!),
      tr.map((i) => atRisk[i]!),
    );
    sum += auc(
      m.p(te.map((i) => raw[i]!)),
      te.map((i) => atRisk[i]!),
    );
  }
  return sum / folds;
}

/** Each candidate's cross-validated AUC and the best (first of the highest). */
export async function select(
  candidates: readonly Candidate[],
  specsOf: (set: FeatureSet) => FeatureSpec[],
  rawOf: (set: FeatureSet) => number[][],
  atRisk: readonly boolean[],
): Promise<{ best: Candidate; cv: { candidate: Candidate; auc: number }[] }> {
  const cv: { candidate: Candidate; auc: number }[] = [];
  for (const c of candidates)
    cv.push({ candidate: c, auc: await crossValidate(c, specsOf(c.set), rawOf(c.set), atRisk) });
  const best = cv.reduce((a, b) => (b.auc > a.auc ? b : a));
  return { best: best.candidate, cv };
}
