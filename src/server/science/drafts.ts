/**
 * The drafts of `edseg-admin train` and of the training route: the model a fit becomes and the
 * documentation its segments carry. Kept apart from train.ts (which runs the device's own model code
 * over the folds) so that the server's routes, which only draft, load no TensorFlow.js.
 */
import type { CalibrationBin } from '../../core/science/metrics.js';
import { Model, type MlpModel, type Purpose, type SoftmaxModel } from '../../core/schema.js';
import type { MlpFit } from './mlp.js';

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
    segments: classSegments(classes, features, source, date, validation, 'the model (softmax of x·W + b)'),
  };
  return checkedDraft(model);
}

/** One documented segment a class, as a trained draft (softmax or mlp) names them. */
export function classSegments(
  classes: readonly string[],
  features: readonly string[],
  source: string,
  date: string,
  validation: (c: number) => string,
  what: string,
): SoftmaxModel['segments'] {
  return classes.map((label, c) => ({
    id: segmentIdOf(label, c),
    name: label.slice(0, 120),
    minAgeBand: 'under13' as const,
    documentation: {
      dataSources: [sourceLine(features), `trained on ${source}`.slice(0, 300)],
      criteria: `The most probable class of ${what} is "${label}".`.slice(0, 2000),
      validation: validation(c).slice(0, 2000),
      changelog: [{ version: 1, date, change: 'drafted by edseg-admin train' }],
    },
  }));
}

/** The draft itself once the Model schema accepts it; else an error naming the first field it fails. */
export function checkedDraft<T>(model: T): T {
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

/** A manifest `mlp` model of `fit` (weights rounded to 6 decimals), with drafted documentation; throws when it fails the schema. */
export function mlpModel(
  id: string,
  purpose: Purpose,
  features: string[],
  classes: string[],
  fit: Pick<MlpFit, 'layers'>,
  validation: (c: number) => string,
  source: string,
  date: string,
): MlpModel {
  const round = (v: number) => Number(v.toFixed(6));
  const hidden = fit.layers.slice(0, -1).map((l) => l.bias.length);
  const model: MlpModel = {
    id,
    purpose,
    kind: 'mlp',
    features,
    description:
      `Draft from edseg-admin train: a dense network (hidden ${hidden.join(' x ')}, ReLU, softmax) on ${source}.`.slice(
        0,
        1000,
      ),
    layers: fit.layers.map((l) => ({ weights: l.weights.map((r) => r.map(round)), bias: l.bias.map(round) })),
    segments: classSegments(classes, features, source, date, validation, 'the network'),
  };
  return checkedDraft(model);
}
