/**
 * edseg's own TensorFlow.js backend (src/core/tf-kernels.ts) against tfjs-backend-cpu 4.22, the
 * backend it replaces in the worker: every kernel the models use, run through tfjs-core's ops on
 * generated shapes and values (broadcasting, other axes, keepDims, ties, large logits), gives the same
 * shape, dtype and bit-for-bit the same values on both.
 */
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu/dist/backend_cpu.js';
import { addConfig } from '@tensorflow/tfjs-backend-cpu/dist/kernels/Add.js';
import { argMaxConfig } from '@tensorflow/tfjs-backend-cpu/dist/kernels/ArgMax.js';
import { argMinConfig } from '@tensorflow/tfjs-backend-cpu/dist/kernels/ArgMin.js';
import { multiplyConfig } from '@tensorflow/tfjs-backend-cpu/dist/kernels/Multiply.js';
import { reluConfig } from '@tensorflow/tfjs-backend-cpu/dist/kernels/Relu.js';
import { reshapeConfig } from '@tensorflow/tfjs-backend-cpu/dist/kernels/Reshape.js';
import { softmaxConfig } from '@tensorflow/tfjs-backend-cpu/dist/kernels/Softmax.js';
import { squaredDifferenceConfig } from '@tensorflow/tfjs-backend-cpu/dist/kernels/SquaredDifference.js';
import { sumConfig } from '@tensorflow/tfjs-backend-cpu/dist/kernels/Sum.js';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { KERNELS, ready } from '../../../src/core/tf.js';

const REF = 'tfjs-cpu-reference';
const reference = [
  addConfig,
  argMaxConfig,
  argMinConfig,
  multiplyConfig,
  reluConfig,
  reshapeConfig,
  softmaxConfig,
  squaredDifferenceConfig,
  sumConfig,
];

beforeAll(async () => {
  await ready();
  for (const k of reference) tf.registerKernel({ ...k, backendName: REF });
  tf.registerBackend(REF, () => new MathBackendCPU(), 0);
  // Both backends initialised once: from here on setBackend switches synchronously.
  expect(await tf.setBackend(REF)).toBe(true);
  expect(await tf.setBackend('cpu')).toBe(true);
});

/** What `f` gives on the backend `name`: shape, dtype and values. */
function on(name: string, f: () => tf.Tensor) {
  void tf.setBackend(name);
  return tf.tidy(() => {
    const t = f();
    return { shape: t.shape, dtype: t.dtype, values: Array.from(t.dataSync()) };
  });
}
function same(f: () => tf.Tensor) {
  const mine = on('cpu', f);
  const ref = on(REF, f);
  void tf.setBackend('cpu');
  expect(mine).toEqual(ref);
}

const value = fc.oneof(
  fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
  fc.integer({ min: -3, max: 3 }),
  fc.constantFrom(0, -0, 1e-30, 88.5, -88.5, 100),
);
const dims = fc.tuple(
  fc.integer({ min: 1, max: 4 }),
  fc.integer({ min: 1, max: 4 }),
  fc.integer({ min: 1, max: 5 }),
);
const values = (n: number) => fc.array(value, { minLength: n, maxLength: n });
const input = dims.chain(([n, k, d]) =>
  fc.record({
    n: fc.constant(n),
    k: fc.constant(k),
    d: fc.constant(d),
    x: values(n * d),
    w: values(k * d),
    b: values(k),
    m: values(n * k),
  }),
);

describe("edseg's backend computes as tfjs-backend-cpu", () => {
  it('registers the same kernel names as the list tf.ts pins', () => {
    expect(KERNELS.map((k) => k.kernelName).sort()).toEqual(reference.map((k) => k.kernelName).sort());
  });

  it('add, mul, squaredDifference broadcast alike', () => {
    fc.assert(
      fc.property(input, ({ n, k, d, x, w, b, m }) => {
        const rows = () => tf.tensor3d(x, [n, 1, d]);
        const cols = () => tf.tensor3d(w, [1, k, d]);
        same(() => tf.squaredDifference(rows(), cols()));
        same(() => tf.mul(rows(), cols()));
        same(() => tf.add(tf.tensor2d(m, [n, k]), tf.tensor1d(b)));
        same(() => tf.add(tf.tensor1d(b), tf.tensor2d(m, [n, k])));
        same(() => tf.mul(tf.tensor2d(m, [n, k]), tf.scalar(x[0]!)));
        same(() => tf.add(tf.tensor1d(x, 'int32'), tf.tensor1d(x, 'int32')));
      }),
      { numRuns: 150 },
    );
  });

  it('sum over every axis, several axes, with and without keepDims', () => {
    fc.assert(
      fc.property(input, fc.boolean(), ({ n, k, d, x, w }, keepDims) => {
        for (const axis of [2, 1, 0, -1, [0, 2], [1, 2], [0, 1, 2]] as (number | number[])[])
          same(() =>
            tf.sum(
              tf.squaredDifference(tf.tensor3d(x, [n, 1, d]), tf.tensor3d(w, [1, k, d])),
              axis,
              keepDims,
            ),
          );
        same(() => tf.sum(tf.tensor1d(x, 'int32')));
      }),
      { numRuns: 100 },
    );
  });

  it('argMax and argMin along each axis, ties to the lowest index', () => {
    const tied = fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 12, maxLength: 12 });
    fc.assert(
      fc.property(fc.oneof(tied, values(12)), (v) => {
        for (const axis of [0, 1, 2, -1]) {
          same(() => tf.argMax(tf.tensor3d(v, [2, 3, 2]), axis));
          same(() => tf.argMin(tf.tensor3d(v, [2, 3, 2]), axis));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('relu, reshape and softmax alike', () => {
    fc.assert(
      fc.property(input, ({ n, k, m }) => {
        same(() => tf.relu(tf.tensor2d(m, [n, k])));
        same(() => tf.reshape(tf.relu(tf.tensor2d(m, [n, k])), [n, 1, k]));
        same(() => tf.reshape(tf.tensor2d(m, [n, k]), [-1]));
        same(() => tf.softmax(tf.tensor2d(m, [n, k])));
        same(() => tf.softmax(tf.tensor3d(m, [n, 1, k])));
      }),
      { numRuns: 150 },
    );
  });

  it('leaves no tensor data behind', () => {
    void tf.setBackend('cpu');
    const before = [tf.memory().numTensors, tf.engine().backend.numDataIds()];
    tf.tidy(() => tf.softmax(tf.reshape(tf.relu(tf.tensor2d([1, -2, 3, 4], [2, 2])), [2, 1, 2]))).dispose();
    const x = tf.tensor3d([1, 2], [1, 1, 2]);
    tf.tidy(() => tf.argMax(tf.sum(tf.mul(x, tf.tensor3d([3, 4], [1, 1, 2])), 2), 1)).dispose();
    x.dispose();
    expect([tf.memory().numTensors, tf.engine().backend.numDataIds()]).toEqual(before);
  });
});
