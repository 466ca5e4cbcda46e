/**
 * The early-warning benchmark's metrics (pure, float64): ROC-AUC, PR-AUC (average precision),
 * Brier score and recall among the 20% at highest risk, each with a seeded percentile bootstrap
 * 95% interval over the test learners; the models of one test set share the resamples, so the
 * bootstrap also gives the standard error of a difference in AUC (paired).
 */
import { auc } from '../src/core/science/metrics.js';
import { seededRandom } from '../src/privacy.js';
import { quantile } from './stats.js';

/**
 * Average precision of `scores` for `positive`: the sum over distinct thresholds (highest first) of
 * (recall gained) x (precision at that threshold), tied scores taken together; NaN without positives.
 */
export function averagePrecision(scores: readonly number[], positive: readonly boolean[]): number {
  const idx = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const nPos = positive.filter(Boolean).length;
  if (nPos === 0) return NaN;
  let tp = 0;
  let seen = 0;
  let ap = 0;
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]!] === scores[idx[i]!]) j++;
    let gained = 0;
    for (let t = i; t <= j; t++) if (positive[idx[t]!]) gained++;
    tp += gained;
    seen += j - i + 1;
    ap += (gained / nPos) * (tp / seen);
    i = j + 1;
  }
  return ap;
}

/** The Brier score: the mean of (p - y)^2, y = 1 for a positive; NaN when empty. */
export function brier(p: readonly number[], positive: readonly boolean[]): number {
  if (p.length === 0) return NaN;
  return p.reduce((s, pi, i) => s + (pi - (positive[i] ? 1 : 0)) ** 2, 0) / p.length;
}

/**
 * The share of the positives among the ceil(share x n) learners with the highest scores (ties
 * broken by position, first first); NaN without positives.
 */
export function recallAtTop(scores: readonly number[], positive: readonly boolean[], share = 0.2): number {
  const nPos = positive.filter(Boolean).length;
  if (nPos === 0) return NaN;
  const idx = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  const top = idx.slice(0, Math.ceil(share * scores.length));
  return top.filter((i) => positive[i]).length / nPos;
}

/** The four metrics of one model on one test set. */
export type Metrics = { auc: number; prAuc: number; brier: number; recallAt20: number };
export const METRICS = ['auc', 'prAuc', 'brier', 'recallAt20'] as const;

/** The metrics of probabilities `p` (of the positive class) for `positive`. */
export function metrics(p: readonly number[], positive: readonly boolean[]): Metrics {
  return {
    auc: auc(p, positive),
    prAuc: averagePrecision(p, positive),
    brier: brier(p, positive),
    recallAt20: recallAtTop(p, positive, 0.2),
  };
}

/** Metrics with their bootstrap 95% intervals ([2.5%, 97.5%] percentiles). */
export type MetricsWithCi = Metrics & {
  aucCi: [number, number];
  prAucCi: [number, number];
  brierCi: [number, number];
  recallAt20Ci: [number, number];
  /** the bootstrap standard error of the AUC */
  aucSe: number;
};

/** The bootstrap result of several models scored on the same test learners. */
export type Bootstrap = {
  models: Record<string, MetricsWithCi>;
  /** per pair "a-b": the bootstrap mean and standard error of auc(a) - auc(b) (paired resamples) */
  aucDiff: (a: string, b: string) => { diff: number; se: number };
};

const sd = (xs: readonly number[]): number => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1));
};

/**
 * The metrics of every model in `probs` (name -> probability per test learner) with percentile
 * bootstrap intervals over `reps` resamples of the learners (with replacement, seeded by `seed`;
 * a resample without both classes is drawn again). Every model is scored on the same resamples.
 */
export function bootstrap(
  probs: Record<string, readonly number[]>,
  positive: readonly boolean[],
  reps = 1000,
  seed = 21,
): Bootstrap {
  const names = Object.keys(probs);
  const n = positive.length;
  const rng = seededRandom(seed);
  const draws: Record<string, Metrics[]> = Object.fromEntries(names.map((m) => [m, []]));
  for (let r = 0; r < reps; r++) {
    let idx: number[];
    do idx = Array.from({ length: n }, () => rng.int(n));
    while (!idx.some((i) => positive[i]) || idx.every((i) => positive[i]));
    const y = idx.map((i) => positive[i]!);
    for (const m of names)
      draws[m]!.push(
        metrics(
          idx.map((i) => probs[m]![i]!),
          y,
        ),
      );
  }
  const ci = (xs: number[]): [number, number] => [quantile(xs, 0.025), quantile(xs, 0.975)];
  const models: Record<string, MetricsWithCi> = {};
  for (const m of names) {
    const point = metrics(probs[m]!, positive);
    const d = draws[m]!;
    const of = (k: keyof Metrics) => d.map((x) => x[k]);
    models[m] = {
      ...point,
      aucCi: ci(of('auc')),
      prAucCi: ci(of('prAuc')),
      brierCi: ci(of('brier')),
      recallAt20Ci: ci(of('recallAt20')),
      aucSe: sd(of('auc')),
    };
  }
  const aucDiff = (a: string, b: string) => {
    const diffs = draws[a]!.map((x, r) => x.auc - draws[b]![r]!.auc);
    return { diff: models[a]!.auc - models[b]!.auc, se: sd(diffs) };
  };
  return { models, aucDiff };
}
