/**
 * Classifier metrics in float64: ROC AUC (the Mann-Whitney statistic with tied scores counted one
 * half; Hanley & McNeil 1982), one-vs-rest AUC for k classes, accuracy, the confusion matrix and a
 * calibration curve (reliability diagram, equal-width bins of the predicted probability).
 */

/** The area under the ROC curve of `scores` for the positives in `positive`; NaN without both classes. */
export function auc(scores: readonly number[], positive: readonly boolean[]): number {
  const idx = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let rankSumPos = 0;
  let nPos = 0;
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]!] === scores[idx[i]!]) j++;
    const rank = (i + j) / 2 + 1; // average rank of the tied run, ranks from 1
    for (let t = i; t <= j; t++)
      if (positive[idx[t]!]) {
        rankSumPos += rank;
        nPos++;
      }
    i = j + 1;
  }
  const nNeg = idx.length - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** Per class c, the AUC of probs[i][c] for "label is c" (one-vs-rest); NaN for a class absent or alone. */
export function oneVsRestAuc(
  probs: readonly (readonly number[])[],
  labels: readonly number[],
  k: number,
): number[] {
  return Array.from({ length: k }, (_, c) =>
    auc(
      probs.map((p) => p[c]!),
      labels.map((l) => l === c),
    ),
  );
}

/** The mean of the finite values (NaN when none). */
export function finiteMean(xs: readonly number[]): number {
  const f = xs.filter(Number.isFinite);
  return f.length === 0 ? NaN : f.reduce((s, v) => s + v, 0) / f.length;
}

/** The index of the largest entry (ties to the lowest, as the device's softmax assigns). */
export function argmax(p: readonly number[]): number {
  let at = 0;
  for (let i = 1; i < p.length; i++) if (p[i]! > p[at]!) at = i;
  return at;
}

/** matrix[true][predicted] counts. */
export function confusionMatrix(
  labels: readonly number[],
  predicted: readonly number[],
  k: number,
): number[][] {
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  labels.forEach((l, i) => (m[l]![predicted[i]!]! += 1));
  return m;
}

/** One bin of a calibration curve: predicted probabilities in [lo, hi), their mean, and the observed rate. */
export type CalibrationBin = { lo: number; hi: number; n: number; predicted: number; observed: number };

/**
 * The calibration curve of probabilities `p` for outcomes `y` over `bins` equal-width bins of [0, 1]
 * (the last bin includes 1); empty bins are left out.
 */
export function calibrationCurve(p: readonly number[], y: readonly boolean[], bins = 10): CalibrationBin[] {
  const acc = Array.from({ length: bins }, () => ({ n: 0, sp: 0, sy: 0 }));
  p.forEach((pi, i) => {
    const b = acc[Math.min(bins - 1, Math.max(0, Math.floor(pi * bins)))]!;
    b.n++;
    b.sp += pi;
    b.sy += y[i] ? 1 : 0;
  });
  return acc.flatMap((b, i) =>
    b.n === 0
      ? []
      : [{ lo: i / bins, hi: (i + 1) / bins, n: b.n, predicted: b.sp / b.n, observed: b.sy / b.n }],
  );
}

/**
 * `folds` stratified folds: the fold of each row, the rows of each label dealt round-robin in the
 * order `order` (a permutation of the rows, e.g. cluster.ts's permutation), so each fold holds about
 * the same label mix.
 */
export function stratifiedFolds(
  labels: readonly number[],
  folds: number,
  order: readonly number[],
): number[] {
  const fold = new Array<number>(labels.length).fill(0);
  const next = new Map<number, number>();
  for (const i of order) {
    const l = labels[i]!;
    const f = next.get(l) ?? 0;
    fold[i] = f % folds;
    next.set(l, f + 1);
  }
  return fold;
}

/** The ROC curve of `scores` for `positive`: (false positive rate, true positive rate) at every distinct threshold, from (0, 0) to (1, 1). */
export function rocCurve(
  scores: readonly number[],
  positive: readonly boolean[],
): { fpr: number; tpr: number }[] {
  const idx = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const nPos = positive.filter(Boolean).length;
  const nNeg = positive.length - nPos;
  const out = [{ fpr: 0, tpr: 0 }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < idx.length; i++) {
    if (positive[idx[i]!]) tp++;
    else fp++;
    if (i === idx.length - 1 || scores[idx[i + 1]!] !== scores[idx[i]!])
      out.push({ fpr: nNeg ? fp / nNeg : 0, tpr: nPos ? tp / nPos : 0 });
  }
  return out;
}
