/**
 * The training behind `edseg-admin train`: a predictive segment as the manifest's `softmax` model
 * kind, multinomial logistic regression with an L2 penalty (softmax.ts, TensorFlow.js), validated by
 * stratified k-fold cross-validation. Every held-out probability comes from the device's own softmax
 * code (assignReference, src/core/model.ts) run on the fold's model, so the figures are those of the
 * model as a device evaluates it: one-vs-rest AUC per class, accuracy, the confusion matrix and a
 * calibration curve (every class's probability against its outcome, pooled). The model fitted on
 * every row becomes a draft SoftmaxModel whose documentation carries the figures.
 */
import { assignReference } from '../../core/model.js';
import { seededRandom } from '../../core/privacy/random.js';
import { permutation } from '../../core/science/cluster.js';
import {
  argmax,
  calibrationCurve,
  confusionMatrix,
  finiteMean,
  oneVsRestAuc,
  stratifiedFolds,
} from '../../core/science/metrics.js';
import type { SoftmaxModel } from '../../core/schema.js';
import type { TrainValidation } from './drafts.js';
import { trainSoftmax, type SoftmaxOptions } from './softmax.js';

// The drafting half (no TensorFlow.js), for the callers that train and draft in one place.
export { segmentIdOf, softmaxModel, sourceLine, validationText, type TrainValidation } from './drafts.js';

/** The probabilities the device's softmax code gives each row of x under `fit`. */
export function deviceProbabilities(
  features: string[],
  classes: number,
  fit: { weights: number[][]; bias: number[] },
  x: readonly (readonly number[])[],
): number[][] {
  const model = {
    id: 'cv',
    purpose: 'analytics',
    kind: 'softmax',
    features,
    weights: fit.weights,
    bias: fit.bias,
    segments: Array.from({ length: classes }, (_, c) => ({ id: `c${c}` })),
  } as unknown as SoftmaxModel;
  return x.map((row) => assignReference(model, [...row]).scores);
}

/** Fits a model to one fold's rows and labels; resolves to the device's class probabilities of new rows. */
export type FoldFitter = (
  x: readonly (readonly number[])[],
  y: readonly number[],
) => Promise<(rows: readonly (readonly number[])[]) => number[][]>;

/** Stratified k-fold cross-validation of the softmax regression (or of `fitFold`'s model) on x with labels y in [0, k). */
export async function crossValidate(
  x: readonly (readonly number[])[],
  y: readonly number[],
  classes: string[],
  features: string[],
  opts: {
    folds: number;
    seed: number;
    softmax?: SoftmaxOptions;
    progress?: (l: string) => void;
    /** fits one fold and gives the device's probabilities of held-out rows (default: the softmax of `softmax`) */
    fitFold?: FoldFitter;
  },
): Promise<TrainValidation> {
  const k = classes.length;
  const fold = stratifiedFolds(y, opts.folds, permutation(y.length, seededRandom(opts.seed)));
  const probs: number[][] = new Array<number[]>(y.length);
  for (let f = 0; f < opts.folds; f++) {
    const train = y.map((_, i) => i).filter((i) => fold[i] !== f);
    const test = y.map((_, i) => i).filter((i) => fold[i] === f);
    if (test.length === 0) continue;
    const fitFold: FoldFitter =
      opts.fitFold ??
      (async (tx, ty) => {
        const fit = await trainSoftmax(tx, ty, k, opts.softmax);
        return (rows) => deviceProbabilities(features, k, fit, rows);
      });
    const predict = await fitFold(
      train.map((i) => x[i]!),
      train.map((i) => y[i]!),
    );
    const p = predict(test.map((i) => x[i]!));
    test.forEach((i, t) => (probs[i] = p[t]!));
    opts.progress?.(`fold ${f + 1}/${opts.folds}: ${train.length} train, ${test.length} held out`);
  }
  const predicted = probs.map(argmax);
  const auc = oneVsRestAuc(probs, y, k);
  return {
    folds: opts.folds,
    rows: y.length,
    classes,
    auc,
    macroAuc: k === 2 ? auc[1]! : finiteMean(auc),
    accuracy: predicted.filter((p, i) => p === y[i]).length / y.length,
    confusion: confusionMatrix(y, predicted, k),
    calibration: calibrationCurve(
      probs.flatMap((p) => p),
      y.flatMap((l) => classes.map((_, c) => l === c)),
    ),
  };
}
