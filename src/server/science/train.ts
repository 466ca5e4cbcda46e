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
  type CalibrationBin,
} from '../../core/science/metrics.js';
import { Model, type Purpose, type SoftmaxModel } from '../../core/schema.js';
import { trainSoftmax, type SoftmaxOptions } from './softmax.js';

export type TrainValidation = {
  folds: number;
  rows: number;
  classes: string[];
  /** one-vs-rest AUC per class, out of fold */
  auc: number[];
  /** their mean over classes (for two classes both equal the AUC) */
  macroAuc: number;
  accuracy: number;
  /** confusion[true][predicted] */
  confusion: number[][];
  calibration: CalibrationBin[];
};

/** An identifier for a class label: the label itself when it is one, else class-N. */
export function segmentIdOf(label: string, i: number): string {
  return /^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/.test(label) ? label : `class-${i + 1}`;
}

/** A softmax model over `features` for `classes` with the fitted parameters (documentation filled by the caller). */
export function softmaxModel(
  id: string,
  purpose: Purpose,
  features: string[],
  classes: string[],
  fit: { weights: number[][]; bias: number[] },
  validation: (c: number) => string,
  source: string,
  date: string,
): SoftmaxModel {
  const model: SoftmaxModel = {
    id,
    purpose,
    kind: 'softmax',
    features,
    description:
      `Draft from edseg-admin train: L2-regularised multinomial logistic regression on ${source}.`.slice(
        0,
        1000,
      ),
    weights: fit.weights.map((r) => r.map((v) => Number(v.toFixed(6)))),
    bias: fit.bias.map((v) => Number(v.toFixed(6))),
    segments: classes.map((label, c) => ({
      id: segmentIdOf(label, c),
      name: label.slice(0, 120),
      minAgeBand: 'under13' as const,
      documentation: {
        dataSources: [sourceLine(features), `trained on ${source}`.slice(0, 300)],
        criteria: `The most probable class of the model (softmax of x·W + b) is "${label}".`.slice(0, 2000),
        validation: validation(c).slice(0, 2000),
        changelog: [{ version: 1, date, change: 'drafted by edseg-admin train' }],
      },
    })),
  };
  const checked = Model.safeParse(model);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    throw new Error(`the draft model fails the schema at ${issue.path.join('.')}: ${issue.message}`);
  }
  return model;
}

/** The documentation's line naming the features, within the schema's 300 characters (the model lists them all). */
export function sourceLine(features: readonly string[]): string {
  const all = `features ${features.join(', ')} (normalised to [-1, 1])`;
  if (all.length <= 300) return all;
  const tail = ` and more: ${features.length} in all, the model lists them (normalised to [-1, 1])`;
  return `${all.slice(0, 300 - tail.length).replace(/, [^,]*$/, '')}${tail}`;
}

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

/** The validation text of class c's segment: the cross-validation figures, as the draft documents them. */
export function validationText(
  v: TrainValidation,
  source: string,
  kind: 'softmax' | 'mlp' = 'softmax',
): (c: number) => string {
  return (c) =>
    `${v.folds}-fold stratified cross-validation on ${v.rows} rows of ${source}, probabilities from the device's ${kind} code: ` +
    `AUC (this class vs the rest) ${v.auc[c]!.toFixed(3)}, accuracy ${pct(v.accuracy)}; ` +
    `recall of this class ${pct(v.confusion[c]![c]! / v.confusion[c]!.reduce((s, x) => s + x, 0))}.`;
}

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
