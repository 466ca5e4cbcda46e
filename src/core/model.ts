/**
 * Segment assignment: one segment per model, from the normalised feature vector.
 * - centroids: scores are squared Euclidean distances to each centroid; index = the nearest,
 *   ties to the lowest index (Lloyd 1982, the k-means assignment step).
 * - softmax:   scores are softmax(x·W + b) probabilities; index = the most probable, ties to the
 *   lowest index (multinomial logistic regression; Bishop 2006, PRML §4.3.4).
 * - mlp:       h = x, then h = relu(h·W_l + b_l) for every hidden layer, scores = softmax(h·W + b)
 *   of the last layer; index = the most probable, ties to the lowest index (Bishop 2006, §5.1).
 *
 * `assign` runs the TensorFlow.js build from tf.ts (float32, its kernels through tfjs-core's engine inside tf.tidy);
 * `assignReference` is the same maths in plain float64 JavaScript and is the specification: the
 * tf result equals it exactly wherever float32 arithmetic is exact, and otherwise agrees to
 * float32 rounding (the property tests in test/unit/core/model.test.ts hold both to that).
 */
import { engine, tidy, type NamedAttrMap, type Tensor } from '@tensorflow/tfjs-core';
import { EdsegError } from './errors.js';
import type { Model } from './schema.js';
import { tfReady } from './tf.js';

/** The assigned segment index of `model` for `x` (normalised, in model.features order), with every segment's score. */
export function assign(model: Model, x: number[]): { index: number; scores: number[] } {
  const { indices, scores } = run(model, [x]);
  return { index: indices[0]!, scores: Array.from(scores) };
}

/** The assigned segment index of each row of `xs`, as `assign` would give it row by row. */
export function assignBatch(model: Model, xs: number[][]): number[] {
  return xs.length === 0 ? [] : Array.from(run(model, xs).indices);
}

/** Plain-JS assignment in float64: the specification `assign` must equal. */
export function assignReference(model: Model, x: number[]): { index: number; scores: number[] } {
  const { d } = shapeOf(model);
  checkInput(x, d, 'x');
  if (model.kind === 'centroids') {
    const scores = model.centroids.map((c) => c.reduce((s, cj, j) => s + (cj - x[j]!) ** 2, 0));
    return { index: best(scores, (a, b) => a < b), scores };
  }
  const dense = (h: number[], weights: number[][], bias: number[]) =>
    bias.map((b, j) => h.reduce((s, hi, i) => s + hi * weights[i]![j]!, b));
  const layers = denseLayers(model);
  let h = x;
  for (const layer of layers.slice(0, -1)) h = dense(h, layer.weights, layer.bias).map((v) => Math.max(0, v));
  const logits = dense(h, layers.at(-1)!.weights, layers.at(-1)!.bias);
  // subtracting the max before exp is the usual overflow guard; it leaves softmax unchanged
  const m = Math.max(...logits);
  const e = logits.map((l) => Math.exp(l - m));
  const z = e.reduce((s, v) => s + v, 0);
  const scores = e.map((v) => v / z);
  return { index: best(scores, (a, b) => a > b), scores };
}

/** The model's input: its features picked by name out of the manifest-ordered `normalised` vector. */
export function modelInput(model: Model, featureNames: string[], normalised: number[]): number[] {
  if (featureNames.length !== normalised.length) {
    throw new EdsegError(
      'invalid-input',
      `edseg: ${featureNames.length} feature names but ${normalised.length} values`,
      'normalised',
    );
  }
  return model.features.map((name, i) => {
    const at = featureNames.indexOf(name);
    if (at < 0)
      throw new EdsegError(
        'invalid-input',
        `edseg: model "${model.id}" reads unknown feature "${name}"`,
        `features.${i}`,
      );
    return normalised[at]!;
  });
}

/** Runs the model on every row at once: one [n, k] score matrix and n indices, read back synchronously. */
function run(model: Model, xs: number[][]): { indices: Int32Array; scores: Float32Array } {
  if (!tfReady()) throw new Error('edseg: await ready() from tf.ts before assign()');
  const { k, d } = shapeOf(model);
  const n = xs.length;
  const flat = new Float32Array(n * d);
  xs.forEach((x, r) => {
    checkInput(x, d, n === 1 ? 'x' : `xs.${r}`);
    flat.set(x, r * d);
  });
  return tidy(() => {
    // rows as [n, 1, d] against segments as [1, k, d]: broadcasting gives every (row, segment) pair
    const rows = tensor(flat, [n, 1, d]);
    if (model.kind === 'centroids') {
      const diff = kernel('SquaredDifference', { a: rows, b: tensor(model.centroids.flat(), [1, k, d]) });
      const scores = kernel('Sum', { x: diff }, { axis: 2, keepDims: false });
      return {
        scores: scores.dataSync() as Float32Array,
        indices: kernel('ArgMin', { x: scores }, { axis: 1 }).dataSync() as Int32Array,
      };
    }
    // each dense layer (softmax: its one layer): h as [n, 1, in] against Wᵀ as [1, out, in] turns
    // h·W into a broadcast multiply and a sum over `in` (no matMul kernel: the worker keeps its size);
    // ReLU between layers, softmax after the last
    const layers = denseLayers(model);
    let h: Tensor = rows;
    layers.forEach((layer, l) => {
      const [inW, outW] = [layer.weights.length, layer.bias.length];
      const wt = Array.from({ length: outW }, (_, j) => layer.weights.map((row) => row[j]!)).flat();
      const hw = kernel('Multiply', { a: h, b: tensor(wt, [1, outW, inW]) });
      const sum = kernel('Sum', { x: hw }, { axis: 2, keepDims: false });
      const z = kernel('Add', { a: sum, b: tensor(layer.bias, [outW]) });
      h =
        l < layers.length - 1
          ? kernel('Reshape', { x: kernel('Relu', { x: z }) }, { shape: [n, 1, outW] })
          : z;
    });
    const scores = kernel('Softmax', { logits: h }, { dim: -1 });
    return {
      scores: scores.dataSync() as Float32Array,
      indices: kernel('ArgMax', { x: scores }, { axis: 1 }).dataSync() as Int32Array,
    };
  });
}

/**
 * One kernel through tfjs-core's engine (its registry, its memory tracking inside tidy), as an op
 * wrapper calls it, without the wrapper's conversions: every input here is a float32 tensor made below
 * (the worker's tfjs-core build carries no op wrappers, issue 24). A kernel the backend does not
 * register throws tfjs's "Kernel '…' not registered".
 */
function kernel(name: string, inputs: Record<string, Tensor>, attrs: NamedAttrMap = {}): Tensor {
  return engine().runKernel(name, inputs, attrs) as Tensor;
}

/** A float32 tensor of `values` (rounded to float32 as tfjs rounds them) in `shape`. */
function tensor(values: ArrayLike<number> | Float32Array, shape: number[]): Tensor {
  const data = values instanceof Float32Array ? values : Float32Array.from(values);
  return engine().makeTensor(data, shape, 'float32');
}

/** k segments and d features, after checking the parameters have those shapes. */
function shapeOf(model: Model): { k: number; d: number } {
  const k = model.segments.length;
  const d = model.features.length;
  const bad = (field: string, what: string) =>
    new EdsegError('invalid-input', `edseg: model "${model.id}" ${what}`, field);
  if (model.kind === 'centroids') {
    if (model.centroids.length !== k || model.centroids.some((c) => c.length !== d))
      throw bad('centroids', `needs ${k} x ${d} centroids`);
  } else {
    // softmax: one layer, its fields at the top of the model; mlp: layers.<l>.weights and .bias
    const mlp = model.kind === 'mlp';
    const layers = denseLayers(model);
    let width = d;
    layers.forEach((layer, l) => {
      const [at, where] = mlp ? [`layers.${l}.`, ` in layer ${l}`] : ['', ''];
      const out = l === layers.length - 1 ? k : layer.bias.length;
      if (out < 1 || layer.weights.length !== width || layer.weights.some((w) => w.length !== out))
        throw bad(`${at}weights`, `needs ${width} x ${out} weights${where}`);
      if (layer.bias.length !== out) throw bad(`${at}bias`, `needs ${out} biases${where}`);
      width = out;
    });
  }
  return { k, d };
}

/** The dense layers of a softmax (one: x·W + b) or mlp model, in order. */
function denseLayers(
  model: Exclude<Model, { kind: 'centroids' }>,
): { weights: number[][]; bias: number[] }[] {
  return model.kind === 'mlp' ? model.layers : [model];
}

function checkInput(x: number[], d: number, field: string): void {
  if (x.length !== d)
    throw new EdsegError('invalid-input', `edseg: the model reads ${d} features, got ${x.length}`, field);
  if (!x.every(Number.isFinite))
    throw new EdsegError('invalid-input', 'edseg: feature values must be finite', field);
}

/** The first index whose score beats every other under `better` (so ties go to the lowest index). */
function best(scores: number[], better: (a: number, b: number) => boolean): number {
  let at = 0;
  for (let i = 1; i < scores.length; i++) if (better(scores[i]!, scores[at]!)) at = i;
  return at;
}
