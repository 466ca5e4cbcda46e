/**
 * k-means with TensorFlow.js in Node: k-means++ seeding (src/core/science/cluster.ts) and Lloyd
 * iterations in batched matrix form (Lloyd 1982): squared distances ||x||² - 2·X·Cᵀ + ||c||² as one
 * [n, k] matrix, the assignment by argMin, the new centres as oneHotᵀ·X / counts. Several restarts,
 * the lowest inertia kept. The final labels and inertia are recomputed in float64 with the nearest-
 * centre rule the device uses (ties to the lowest index), so the model assigns exactly as fitted.
 */
import { inertia, kmeansPlusPlus, nearest, type Matrix } from '../../core/science/cluster.js';
import type { Rng } from '../../core/privacy/random.js';
import { tfNode } from './tf-node.js';

export type KMeansResult = { centres: number[][]; labels: number[]; inertia: number; iterations: number };

export type KMeansOptions = { restarts?: number; maxIterations?: number; tolerance?: number };

/** The best of `restarts` k-means runs on x (n x d) for k clusters, seeded by `rng`. */
export async function kmeans(
  x: Matrix,
  k: number,
  rng: Rng,
  opts: KMeansOptions = {},
): Promise<KMeansResult> {
  const tf = await tfNode();
  const restarts = opts.restarts ?? 5;
  const maxIterations = opts.maxIterations ?? 100;
  const tolerance = opts.tolerance ?? 1e-6;
  const n = x.length;
  const d = x[0]?.length ?? 0;
  const X = tf.tensor2d(x.flat(), [n, d]);
  const xNorm = tf.sum(tf.square(X), 1, true); // [n, 1]
  let best: KMeansResult | undefined;
  try {
    for (let r = 0; r < restarts; r++) {
      let centres = kmeansPlusPlus(x, k, rng);
      let iterations = 0;
      for (; iterations < maxIterations; iterations++) {
        const next = tf.tidy(() => {
          const C = tf.tensor2d(centres.flat(), [k, d]);
          const dist = tf.add(
            tf.sub(xNorm, tf.mul(2, tf.matMul(X, C, false, true))),
            tf.transpose(tf.sum(tf.square(C), 1, true)),
          );
          const onehot = tf.cast(tf.oneHot(tf.argMin(dist, 1), k), 'float32'); // [n, k]
          const counts = tf.sum(onehot, 0); // [k]
          const sums = tf.matMul(onehot, X, true, false); // [k, d]
          // an empty cluster keeps its centre
          const safe = tf.reshape(tf.maximum(counts, 1), [k, 1]);
          const moved = tf.where(
            tf.tile(tf.reshape(tf.greater(counts, 0), [k, 1]), [1, d]),
            tf.div(sums, safe),
            C,
          );
          return moved.arraySync() as number[][];
        });
        const shift = Math.max(
          ...next.map((c, j) => Math.max(...c.map((v, t) => Math.abs(v - centres[j]![t]!)))),
        );
        centres = next;
        if (shift <= tolerance) break;
      }
      const labels = nearest(x, centres);
      const result = { centres, labels, inertia: inertia(x, labels, centres), iterations };
      if (!best || result.inertia < best.inertia) best = result;
    }
  } finally {
    X.dispose();
    xNorm.dispose();
  }
  return best!;
}
