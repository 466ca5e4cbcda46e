/**
 * Multinomial logistic regression (the manifest's `softmax` model kind; Bishop 2006, PRML §4.3.4)
 * trained with TensorFlow.js in Node: full-batch Adam on the L2-regularised mean cross-entropy
 *
 *   L(W, b) = -(1/n) Σ_i log softmax(x_i·W + b)[y_i] + (λ/2)·||W||²   (b not penalised)
 *
 * with the learning rate stepped down (0.1, 0.01, 0.001) until the gradient is small. The gradient
 * is the closed form, batched: ∂L/∂W = Xᵀ(P - Y)/n + λW and ∂L/∂b = mean over rows of (P - Y), with
 * P = softmax(XW + b) and Y the one-hot labels. W is d x k and
 * b is k, as SoftmaxModel stores them. Adding a constant to every bias changes no probability, so
 * the bias returned is centred (Σ_c b_c = 0), which picks one of the equivalent biases. Probabilities on new rows come from
 * the device's own code (assignReference in src/core/model.ts), never from here.
 */
import { tfNode } from './tf-node.js';

export type SoftmaxFit = { weights: number[][]; bias: number[]; loss: number; steps: number };

export type SoftmaxOptions = {
  /** λ, the L2 penalty on the weights (default 0.01) */
  l2?: number;
  /** steps per learning-rate phase at most (default 600) */
  steps?: number;
  /** stop a phase when the largest gradient entry is below this (default 1e-5) */
  gradientTolerance?: number;
};

/** Fits W (d x k) and b (k) to rows `x` (n x d) with labels `y` in [0, k). */
export async function trainSoftmax(
  x: readonly (readonly number[])[],
  y: readonly number[],
  k: number,
  opts: SoftmaxOptions = {},
): Promise<SoftmaxFit> {
  const tf = await tfNode();
  const l2 = opts.l2 ?? 0.01;
  const maxSteps = opts.steps ?? 600;
  const tol = opts.gradientTolerance ?? 1e-5;
  const n = x.length;
  const d = x[0]?.length ?? 0;
  const X = tf.tensor2d(x.flat(), [n, d]);
  const Y = tf.cast(tf.oneHot(tf.tensor1d([...y], 'int32'), k), 'float32');
  const W = tf.variable(tf.zeros([d, k]));
  const b = tf.variable(tf.zeros([k]));
  const loss = () =>
    tf.tidy(() => {
      const ce = tf.neg(tf.mean(tf.sum(tf.mul(Y, tf.logSoftmax(tf.add(tf.matMul(X, W), b))), 1)));
      return tf.add(ce, tf.mul(l2 / 2, tf.sum(tf.square(W))));
    });
  const gradients = () =>
    tf.tidy(() => {
      const diff = tf.sub(tf.softmax(tf.add(tf.matMul(X, W), b)), Y); // [n, k]
      return {
        W: tf.add(tf.div(tf.matMul(X, diff, true, false), n), tf.mul(l2, W)),
        b: tf.mean(diff, 0),
      };
    });
  let steps = 0;
  try {
    for (const lr of [0.1, 0.01, 0.001]) {
      const optimiser = tf.train.adam(lr);
      for (let s = 0; s < maxSteps; s++) {
        steps++;
        const grads = gradients();
        const big = tf.tidy(() =>
          Math.max(...Object.values(grads).map((g) => tf.max(tf.abs(g)).dataSync()[0]!)),
        );
        optimiser.applyGradients([
          { name: W.name, tensor: grads.W },
          { name: b.name, tensor: grads.b },
        ]);
        grads.W.dispose();
        grads.b.dispose();
        if (big < tol) break;
      }
      optimiser.dispose();
    }
    const final = loss();
    const bias = b.arraySync() as number[];
    const mean = bias.reduce((s, v) => s + v, 0) / k;
    const out = {
      weights: W.arraySync() as number[][],
      bias: bias.map((v) => v - mean),
      loss: final.dataSync()[0]!,
      steps,
    };
    final.dispose();
    return out;
  } finally {
    [X, Y, W, b].forEach((t) => t.dispose());
  }
}
