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
import { mlpModel, trainMlpBag } from '../src/server/science/mlp.js';
import { trainSoftmax } from '../src/server/science/softmax.js';
import { softmaxModel } from '../src/server/science/train.js';
import { fitSpecs, type FeatureSet } from './predictive-features.js';
import { fitForest, type ForestCandidate } from './predictive-trees.js';

/** One on-device candidate: a feature set, a model kind, its hyper-parameters, and pooled (other modules' rows train too). */
export type OnDeviceCandidate =
  | { set: FeatureSet; kind: 'softmax'; l2: number; pooled?: boolean; scores?: boolean }
  | {
      set: FeatureSet;
      kind: 'mlp';
      l2: number;
      hidden: number[];
      pooled?: boolean;
      scores?: boolean;
      /** members of a bagged ensemble (trainMlpBag: seeds 21, 22, ...), merged into one wider mlp; 1 when absent */
      bag?: number;
    };
/** Any candidate: an on-device one, or the tree reference (`--wide`; never on the device: predictive-trees.ts). */
export type Candidate = OnDeviceCandidate | ForestCandidate;

/** The name of a candidate in tables ("softmax weekly l2=0.01", "mlp compact pooled 16x8 l2=0.01"). */
export const candidateName = (c: Candidate): string =>
  `${c.kind} ${c.set}${c.scores ? '+score' : ''}${c.pooled ? ' pooled' : ''}` +
  (c.kind === 'forest'
    ? ` ${c.trees} trees depth ${c.depth} leaf ${c.minLeaf}`
    : `${c.kind === 'mlp' ? ` ${c.hidden.join('x')}${(c.bag ?? 1) > 1 ? ` bag${c.bag}` : ''}` : ''} l2=${c.l2}`);

/** The features that read an assessment score (education records a device may not have on day 28). */
export const SCORE_FEATURES: readonly string[] = ['mean_score'];

/** The columns of `specs` candidate `c` reads: all but the score features unless `c.scores`. */
export const columnsOf = (c: Candidate, specs: readonly FeatureSpec[]): number[] =>
  specs.flatMap((s, j) => (c.scores || !SCORE_FEATURES.includes(s.name) ? [j] : []));

/** The softmax's feature sets; the baseline is fixed (plain features, l2 0.01). */
const SOFTMAX_SETS = ['summary', 'compact', 'halves'] as const;
/** The mlp's (`weekly`'s hundred-odd inputs are too many for a network on a few hundred learners). */
const MLP_SETS = ['summary', 'compact', 'halves'] as const;
const HIDDEN = [[8], [16, 8]];
const softmaxGrid = (set: FeatureSet, pooled?: true): Candidate[] =>
  [0.001, 0.01, 0.1].map((l2) => ({ set, kind: 'softmax' as const, l2, ...(pooled ? { pooled } : {}) }));
const mlpGrid = (set: FeatureSet, pooled?: true): Candidate[] =>
  HIDDEN.flatMap((hidden) =>
    [0.001, 0.01].map((l2) => ({ set, kind: 'mlp' as const, l2, hidden, ...(pooled ? { pooled } : {}) })),
  );
/** The candidates of the on-device softmax (no score feature: SCORE_FEATURES). */
export const SOFTMAX_CANDIDATES: Candidate[] = SOFTMAX_SETS.flatMap((set) => softmaxGrid(set));
/** The candidates of the on-device mlp (trainMlp's defaults otherwise: Adam 0.01, early stopping, class weights). */
export const MLP_CANDIDATES: Candidate[] = MLP_SETS.flatMap((set) => mlpGrid(set));
/** The pooled candidates (the module-agnostic sets), cross-validated only where another module has a presentation earlier than the test one. */
export const POOLED_CANDIDATES: Candidate[] = (['compact', 'halves'] as const).flatMap((set) => [
  ...softmaxGrid(set, true),
  ...mlpGrid(set, true),
]);
/**
 * `--wide` adds these: the sets dropped from the default search for their cost and their CV AUC in
 * training (`weekly`, `weeklyTotals`), and bagged mlps (5 members merged into one wider mlp) of
 * every one-layer mlp candidate.
 */
export const WIDE_CANDIDATES: Candidate[] = [
  ...(['weekly', 'weeklyTotals'] as const).flatMap((set) => softmaxGrid(set)),
  ...mlpGrid('weeklyTotals'),
  ...MLP_CANDIDATES.flatMap((c) => (c.kind === 'mlp' && c.hidden.length === 1 ? [{ ...c, bag: 5 }] : [])),
];
/** `--wide`, where there is a pool: bagged pooled one-layer mlps at l2 0.01. */
export const WIDE_POOLED_CANDIDATES: Candidate[] = POOLED_CANDIDATES.flatMap((c) =>
  c.kind === 'mlp' && c.hidden.length === 1 && c.l2 === 0.01 ? [{ ...c, bag: 5 }] : [],
);
export const BASELINE: OnDeviceCandidate = { set: 'plain', kind: 'softmax', l2: 0.01 };

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

/**
 * Fits `c` on raw rows `raw` (features `specs`; only the columns `columnsOf(c, specs)` are read)
 * with labels `atRisk`; p comes from the device's code (assignReference).
 */
export async function fitCandidate(
  c: OnDeviceCandidate,
  specs: FeatureSpec[],
  raw: readonly (readonly number[])[],
  atRisk: readonly boolean[],
): Promise<Fitted> {
  const cols = columnsOf(c, specs);
  const pick = (rows: readonly (readonly number[])[]) => rows.map((r) => cols.map((j) => r[j]!));
  const fitted = fitSpecs(
    cols.map((j) => specs[j]!),
    pick(raw),
  );
  const norm = (rows: readonly (readonly number[])[]) =>
    pick(rows).map((r) => r.map((v, j) => normalise(v, fitted[j]!)));
  const y = atRisk.map((r) => (r ? 0 : 1)); // class 0 = at-risk, as the segments are ordered
  const args: [string, 'instruction', string[], string[]] = [
    'at-risk',
    'instruction',
    fitted.map((s) => s.name),
    ['at-risk', 'not-at-risk'],
  ];
  const docs = [() => 'see docs/EVALUATION.md Part C', 'OULAD', '2025-01-01'] as const;
  const mlpOpts = (h: number[]) => ({ hidden: h, l2: c.l2, seed: 21 });
  const model: Model =
    c.kind === 'mlp'
      ? mlpModel(...args, await trainMlpBag(norm(raw), y, 2, c.bag ?? 1, mlpOpts(c.hidden)), ...docs)
      : softmaxModel(...args, await trainSoftmax(norm(raw), y, 2, { l2: c.l2 }), ...docs);
  return {
    specs: fitted,
    model,
    x: norm,
    p: (rows) => norm(rows).map((x) => assignReference(model, x).scores[0]!),
  };
}

/**
 * p(at risk) of any raw rows from candidate `c` fitted on `raw`, `atRisk`: an on-device candidate
 * through fitCandidate (the device's code), a forest through fitForest on the same columns.
 */
export async function fitScorer(
  c: Candidate,
  specs: FeatureSpec[],
  raw: readonly (readonly number[])[],
  atRisk: readonly boolean[],
): Promise<(rows: readonly (readonly number[])[]) => number[]> {
  if (c.kind !== 'forest') return (await fitCandidate(c, specs, raw, atRisk)).p;
  const cols = columnsOf(c, specs);
  const pick = (rows: readonly (readonly number[])[]) => rows.map((r) => cols.map((j) => r[j]!));
  const p = fitForest(c, pick(raw), atRisk);
  return (rows) => p(pick(rows));
}

/**
 * The held-out AUC of every fold of `repeats` stratified `folds`-fold cross-validations of the rows
 * (repeat r shuffled by seed + r); the rows of `pool` join every fold's training rows and are
 * never held out.
 */
export async function foldAucs(
  c: Candidate,
  specs: FeatureSpec[],
  raw: readonly (readonly number[])[],
  atRisk: readonly boolean[],
  folds = 5,
  seed = 21,
  pool: Pool = { raw: [], atRisk: [] },
  repeats = 1,
): Promise<number[]> {
  const out: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const rng = seededRandom(seed + r);
    const order = raw.map((_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const fold = stratifiedFolds(
      atRisk.map((y) => (y ? 1 : 0)),
      folds,
      order,
    );
    for (let f = 0; f < folds; f++) {
      const tr = order.filter((i) => fold[i] !== f);
      const te = order.filter((i) => fold[i] === f);
      const p = await fitScorer(
        c,
        specs,
        [...tr.map((i) => raw[i]!), ...pool.raw],
        [...tr.map((i) => atRisk[i]!), ...pool.atRisk],
      );
      out.push(
        auc(
          p(te.map((i) => raw[i]!)),
          te.map((i) => atRisk[i]!),
        ),
      );
    }
  }
  return out;
}

/** The mean held-out AUC of `c` over `repeats` stratified `folds`-fold cross-validations (foldAucs). */
export async function crossValidate(...args: Parameters<typeof foldAucs>): Promise<number> {
  const a = await foldAucs(...args);
  return a.reduce((x, y) => x + y, 0) / a.length;
}

/** One candidate's cross-validation: the mean held-out AUC, its standard error (sd of the fold AUCs / sqrt(5)) and its number of inputs. */
export type CvResult = { candidate: Candidate; auc: number; se: number; inputs: number };

/**
 * How complex a candidate is, for the 1-SE rule, compared in order: its hidden units (0 for a
 * softmax; a bag counts as one member: averaging members lowers the variance, it adds no
 * flexibility; a forest, which only ever competes with forests, by the leaves of one tree at most,
 * 2^depth: more trees lower the variance as a bag does), then its inputs.
 */
export const complexity = (r: Pick<CvResult, 'candidate' | 'inputs'>): [number, number] => [
  r.candidate.kind === 'mlp'
    ? r.candidate.hidden.reduce((a, b) => a + b, 0)
    : r.candidate.kind === 'forest'
      ? 2 ** r.candidate.depth
      : 0,
  r.inputs,
];

/**
 * The 1-SE rule (Hastie, Tibshirani & Friedman 2009, ESL §7.10): among the candidates whose mean
 * CV AUC is within one standard error of the best one's, the least complex (`complexity`), then the
 * higher CV AUC, then the first.
 */
export function oneSe(cv: readonly CvResult[]): CvResult {
  const top = cv.reduce((a, b) => (b.auc > a.auc ? b : a));
  return cv
    .filter((r) => r.auc >= top.auc - top.se)
    .reduce((a, b) => {
      const [ha, da] = complexity(a);
      const [hb, db] = complexity(b);
      return hb < ha || (hb === ha && (db < da || (db === da && b.auc > a.auc))) ? b : a;
    });
}

/** The number of folds of every cross-validation in Part C; `repeats` of them, reshuffled. */
export const CV_FOLDS = 5;

/**
 * Each candidate's cross-validated AUC (`repeats` x 5-fold, default 3 x 5) and the one the 1-SE
 * rule picks (oneSe); `poolOf` gives a pooled candidate's extra rows.
 */
export async function select(
  candidates: readonly Candidate[],
  specsOf: (set: FeatureSet) => FeatureSpec[],
  rawOf: (set: FeatureSet) => number[][],
  atRisk: readonly boolean[],
  poolOf: (set: FeatureSet) => Pool = () => ({ raw: [], atRisk: [] }),
  repeats = 3,
): Promise<{ best: Candidate; cv: CvResult[] }> {
  const cv: CvResult[] = [];
  for (const c of candidates) {
    const pool = c.pooled ? poolOf(c.set) : undefined;
    const specs = specsOf(c.set);
    const a = await foldAucs(c, specs, rawOf(c.set), atRisk, CV_FOLDS, 21, pool, repeats);
    const mean = a.reduce((x, y) => x + y, 0) / a.length;
    const sd = Math.sqrt(a.reduce((x, y) => x + (y - mean) ** 2, 0) / Math.max(1, a.length - 1));
    cv.push({ candidate: c, auc: mean, se: sd / Math.sqrt(CV_FOLDS), inputs: columnsOf(c, specs).length });
  }
  return { best: oneSe(cv).candidate, cv };
}
