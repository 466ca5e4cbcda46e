/**
 * The manifest's `mlp` model kind trained with TensorFlow.js in Node (Bishop 2006, PRML §5.2–5.3):
 * one or two ReLU hidden layers and a softmax output, on the class-weighted, L2-regularised mean
 * cross-entropy
 *
 *   L = -(Σ_i w_{y_i} log p_i[y_i]) / (Σ_i w_{y_i}) + (λ/2) Σ_l ||W_l||²,   w_c = n / (k · n_c)
 *
 * by full-batch Adam. tfjs-core's Node bundle registers no gradient functions (tf-node.ts), so the
 * gradient is back-propagated in closed form: with D = diag(w)/Σw, the output error is
 * E = D (P - Y), ∂L/∂W_l = H_{l-1}ᵀ E_l + λW_l, ∂L/∂b_l = Σ_rows E_l, E_{l-1} = (E_l W_lᵀ) ⊙ [Z_{l-1} > 0].
 * Early stopping: a stratified, seeded share of the rows is held out (the inner validation fold);
 * training stops when its weighted loss has not improved for `patience` epochs and returns the
 * weights of the best epoch. Weights start He-uniform from a seeded generator (random.ts).
 */
import { assignReference } from '../../core/model.js';
import { seededRandom } from '../../core/privacy/random.js';
import type { MlpModel } from '../../core/schema.js';
import { permutation } from '../../core/science/cluster.js';
import { stratifiedFolds } from '../../core/science/metrics.js';
import { tfNode, type tf as TF } from './tf-node.js';
import type { FoldFitter } from './train.js';

export type MlpOptions = {
  /** hidden layer widths: one or two layers (default [16]) */
  hidden?: number[];
  /** λ, the L2 penalty on the weights (default 0.01) */
  l2?: number;
  /** Adam's learning rate (default 0.01) */
  learningRate?: number;
  /** epochs at most (default 1000) */
  epochs?: number;
  /** stop after this many epochs without a better validation loss (default 50) */
  patience?: number;
  /** the inner validation fold: 1 / validationFolds of the rows (default 5: 20%) */
  validationFolds?: number;
  /** weight each class by n / (k · n_c) (default true) */
  classWeights?: boolean;
  /** seeds the initial weights and the validation split (default 1) */
  seed?: number;
};

export type MlpFit = {
  layers: { weights: number[][]; bias: number[] }[];
  /** the epoch whose weights are returned, the epochs run, its validation loss */
  bestEpoch: number;
  epochs: number;
  validationLoss: number;
};

/** Fits an mlp to rows `x` (n x d) with labels `y` in [0, k). */
export async function trainMlp(
  x: readonly (readonly number[])[],
  y: readonly number[],
  k: number,
  opts: MlpOptions = {},
): Promise<MlpFit> {
  const tf = await tfNode();
  const hidden = opts.hidden ?? [16];
  if (hidden.length < 1 || hidden.length > 2 || !hidden.every((h) => Number.isInteger(h) && h >= 1))
    throw new Error('trainMlp: hidden must be one or two positive whole widths');
  const l2 = opts.l2 ?? 0.01;
  const patience = opts.patience ?? 50;
  const n = x.length;
  const d = x[0]?.length ?? 0;
  const rng = seededRandom(opts.seed ?? 1);
  const folds = opts.validationFolds ?? 5;
  const fold = stratifiedFolds(y, folds, permutation(n, rng));
  const fitRows = fold.flatMap((f, i) => (f === 0 ? [] : [i]));
  const valRows = fold.flatMap((f, i) => (f === 0 ? [i] : []));
  const counts = Array.from({ length: k }, (_, c) => y.filter((v) => v === c).length);
  const classWeight = (c: number) => (opts.classWeights === false ? 1 : n / (k * Math.max(1, counts[c]!)));

  const widths = [d, ...hidden, k];
  const params = widths.slice(1).map((out, l) => {
    const inW = widths[l]!;
    const limit = Math.sqrt(6 / inW); // He-uniform for ReLU
    const w = Array.from({ length: inW * out }, () => (2 * rng.real() - 1) * limit);
    return { W: tf.variable(tf.tensor2d(w, [inW, out])), b: tf.variable(tf.zeros([out])) };
  });
  const data = (rows: number[]) => {
    const weights = rows.map((i) => classWeight(y[i]!));
    const total = weights.reduce((s, v) => s + v, 0);
    return {
      X: tf.tensor2d(
        rows.flatMap((i) => [...x[i]!]),
        [rows.length, d],
      ),
      Y: tf.cast(
        tf.oneHot(
          tf.tensor1d(
            rows.map((i) => y[i]!),
            'int32',
          ),
          k,
        ),
        'float32',
      ),
      D: tf.tensor2d(
        weights.map((v) => v / total),
        [rows.length, 1],
      ),
    };
  };
  const fit = data(fitRows);
  const val = data(valRows.length > 0 ? valRows : fitRows);
  /** forward pass: the pre-activations Z_l and activations H_l (H_0 = X), logits last */
  const forward = (X: TF.Tensor2D) => {
    const hs: TF.Tensor2D[] = [X];
    const zs: TF.Tensor2D[] = [];
    params.forEach((p, l) => {
      const z = tf.add(tf.matMul(hs[l]!, p.W), p.b) as TF.Tensor2D;
      zs.push(z);
      if (l < params.length - 1) hs.push(tf.relu(z));
    });
    return { hs, zs };
  };
  const weightedLoss = (s: ReturnType<typeof data>) =>
    tf.tidy(() => {
      const logits = forward(s.X).zs.at(-1)!;
      return -tf.sum(tf.mul(s.D, tf.mul(s.Y, tf.logSoftmax(logits)))).dataSync()[0]!;
    });
  const optimiser = tf.train.adam(opts.learningRate ?? 0.01);
  let best = { loss: Infinity, epoch: 0, layers: [] as MlpFit['layers'] };
  let epoch = 0;
  try {
    for (epoch = 1; epoch <= (opts.epochs ?? 1000); epoch++) {
      const grads = tf.tidy(() => {
        const { hs, zs } = forward(fit.X);
        let e: TF.Tensor2D = tf.mul(fit.D, tf.sub(tf.softmax(zs.at(-1)!), fit.Y));
        const out: { name: string; tensor: TF.Tensor }[] = [];
        for (let l = params.length - 1; l >= 0; l--) {
          const p = params[l]!;
          out.push({ name: p.W.name, tensor: tf.add(tf.matMul(hs[l]!, e, true, false), tf.mul(l2, p.W)) });
          out.push({ name: p.b.name, tensor: tf.sum(e, 0) });
          if (l > 0) e = tf.mul(tf.matMul(e, p.W, false, true), tf.step(zs[l - 1]!)) as TF.Tensor2D;
        }
        return out;
      });
      optimiser.applyGradients(grads);
      grads.forEach((g) => g.tensor.dispose());
      const loss = weightedLoss(val);
      if (loss < best.loss - 1e-6) {
        best = {
          loss,
          epoch,
          layers: params.map((p) => ({
            weights: p.W.arraySync() as number[][],
            bias: p.b.arraySync() as number[],
          })),
        };
      } else if (epoch - best.epoch >= patience) break;
    }
    return {
      layers: best.layers,
      bestEpoch: best.epoch,
      epochs: Math.min(epoch, opts.epochs ?? 1000),
      validationLoss: best.loss,
    };
  } finally {
    optimiser.dispose();
    for (const s of [fit, val]) Object.values(s).forEach((t) => t.dispose());
    params.forEach((p) => {
      p.W.dispose();
      p.b.dispose();
    });
  }
}

/**
 * Bagged mlps as ONE wider mlp of the same kind (Breiman 1996, bagging; here the members differ by
 * seed: their initial weights and their inner validation fold): the hidden units are concatenated
 * (the first layer's columns side by side, a second hidden layer block-diagonal), and the output
 * layer stacks the members' output weights divided by their number, so the network's logits are
 * the mean of the members' logits and its softmax is the device's ordinary `mlp` assignment.
 * Every member must have the same depth, input width and number of classes.
 */
export function mergeMlps(members: readonly Pick<MlpFit, 'layers'>[]): Pick<MlpFit, 'layers'> {
  const m = members.length;
  const first = members[0];
  if (!first) throw new Error('mergeMlps: no members');
  const depth = first.layers.length;
  const d = first.layers[0]!.weights.length;
  const k = first.layers.at(-1)!.bias.length;
  for (const f of members)
    if (f.layers.length !== depth || f.layers[0]!.weights.length !== d || f.layers.at(-1)!.bias.length !== k)
      throw new Error('mergeMlps: members differ in depth, input width or classes');
  const layers: MlpFit['layers'] = [];
  // first hidden layer: the members' columns side by side
  layers.push({
    weights: Array.from({ length: d }, (_, i) => members.flatMap((f) => f.layers[0]!.weights[i]!)),
    bias: members.flatMap((f) => f.layers[0]!.bias),
  });
  if (depth === 3) {
    // second hidden layer: block-diagonal, member j reads only its own first-layer units
    const widths = members.map((f) => f.layers[1]!.bias.length);
    const rows = members.flatMap((f, j) =>
      f.layers[1]!.weights.map((row) =>
        members.flatMap((_, i) => (i === j ? row : Array<number>(widths[i]!).fill(0))),
      ),
    );
    layers.push({ weights: rows, bias: members.flatMap((f) => f.layers[1]!.bias) });
  }
  // output: the mean of the members' logits
  layers.push({
    weights: members.flatMap((f) => f.layers.at(-1)!.weights.map((row) => row.map((v) => v / m))),
    bias: Array.from({ length: k }, (_, c) => members.reduce((s, f) => s + f.layers.at(-1)!.bias[c]!, 0) / m),
  });
  return { layers };
}

/** `members` mlps trained by trainMlp with seeds seed, seed + 1, ..., merged into one (mergeMlps). */
export async function trainMlpBag(
  x: readonly (readonly number[])[],
  y: readonly number[],
  k: number,
  members: number,
  opts: MlpOptions = {},
): Promise<Pick<MlpFit, 'layers'>> {
  if (!Number.isInteger(members) || members < 1)
    throw new Error('trainMlpBag: members must be a positive whole number');
  const fits: MlpFit[] = [];
  for (let j = 0; j < members; j++)
    fits.push(await trainMlp(x, y, k, { ...opts, seed: (opts.seed ?? 1) + j }));
  return mergeMlps(fits);
}

/** The FoldFitter (train.ts crossValidate) of an mlp: each fold trained by trainMlp, probabilities from the device's reference code. */
export function mlpFoldFitter(features: string[], k: number, opts: MlpOptions): FoldFitter {
  return async (x, y) => {
    const fit = await trainMlp(x, y, k, opts);
    const model = {
      id: 'cv',
      purpose: 'analytics',
      kind: 'mlp',
      features,
      layers: fit.layers,
      segments: Array.from({ length: k }, (_, c) => ({ id: `c${c}` })),
    } as unknown as MlpModel;
    return (rows) => rows.map((r) => assignReference(model, [...r]).scores);
  };
}

// The drafting half (no TensorFlow.js) lives in drafts.ts, so the server's routes can draft an mlp.
export { mlpModel } from './drafts.js';
