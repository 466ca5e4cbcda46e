import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { EdsegError } from '../../../src/core/errors.js';
import { assign, assignBatch, assignReference, modelInput } from '../../../src/core/model.js';
import type { CentroidModel, Model, SoftmaxModel } from '../../../src/core/schema.js';
import { KERNELS, ready } from '../../../src/core/tf.js';

const segments = (k: number) =>
  Array.from({ length: k }, (_, i) => ({
    id: `s${i}`,
    name: `Segment ${i}`,
    minAgeBand: 'teen' as const,
    documentation: { dataSources: [], criteria: '', validation: '', changelog: [] },
  }));
const featureNames = (d: number) => Array.from({ length: d }, (_, j) => `f${j}`);
const centroidModel = (centroids: number[][]): CentroidModel => ({
  id: 'm',
  purpose: 'instruction',
  kind: 'centroids',
  features: featureNames(centroids[0]!.length),
  segments: segments(centroids.length),
  centroids,
});
const softmaxModel = (weights: number[][], bias: number[]): SoftmaxModel => ({
  id: 'm',
  purpose: 'instruction',
  kind: 'softmax',
  features: featureNames(weights.length),
  segments: segments(bias.length),
  weights,
  bias,
});

/** |a - b| <= 1e-4 · max(|a|, |b|), element by element. */
function expectRelativelyClose(actual: number[], expected: number[]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i]!;
    expect(Math.abs(a - e), `score ${i}: ${a} vs ${e}`).toBeLessThanOrEqual(
      1e-4 * Math.max(Math.abs(a), Math.abs(e)),
    );
  });
}

/**
 * Random models and inputs. `value(n)` draws a coordinate in [-n, n].
 * Grid: multiples of 1/64, where every distance and logit is exact in float32, so the float32
 * TensorFlow.js result and the float64 reference must agree exactly on the index, ties included.
 * Fine: multiples of 2^-20 (float32-exact inputs), where float32 rounds the scores.
 * A tie is planted by copying segment 0's centroid (or weight column and bias) into another segment.
 */
type Value = (n: number) => fc.Arbitrary<number>;
const grid: Value = (n) => fc.integer({ min: -64 * n, max: 64 * n }).map((i) => i / 64);
const fine: Value = (n) => fc.integer({ min: -(2 ** 20) * n, max: 2 ** 20 * n }).map((i) => i / 2 ** 20);
const vector = (value: Value, d: number) => fc.array(value(1), { minLength: d, maxLength: d });

type Case = { model: Model; xs: number[][]; twin: number | null };
function modelAndInputs(value: Value, rows: { min: number; max: number }): fc.Arbitrary<Case> {
  return fc
    .record({
      k: fc.integer({ min: 2, max: 6 }),
      d: fc.integer({ min: 1, max: 8 }),
      kind: fc.constantFrom('centroids', 'softmax'),
      tie: fc.option(fc.nat()),
    })
    .chain(({ k, d, kind, tie }) => {
      const twin = tie === null ? null : 1 + (tie % (k - 1));
      const matrix = (r: number, c: number) =>
        fc.array(fc.array(value(2), { minLength: c, maxLength: c }), { minLength: r, maxLength: r });
      const model =
        kind === 'centroids'
          ? matrix(k, d).map((c): Model => {
              if (twin !== null) c[twin] = [...c[0]!];
              return centroidModel(c);
            })
          : fc
              .tuple(matrix(d, k), fc.array(value(2), { minLength: k, maxLength: k }))
              .map(([w, b]): Model => {
                if (twin !== null) {
                  w.forEach((row) => {
                    row[twin] = row[0]!;
                  });
                  b[twin] = b[0]!;
                }
                return softmaxModel(w, b);
              });
      return fc.record({
        model,
        xs: fc.array(vector(value, d), { minLength: rows.min, maxLength: rows.max }),
        twin: fc.constant(twin),
      });
    });
}

beforeAll(async () => {
  await ready();
});

describe('the TensorFlow.js build', () => {
  it('registers exactly the kernels the models dispatch to', () => {
    const names = tf
      .getKernelsForBackend('cpu')
      .map((k) => k.kernelName)
      .sort();
    expect(names).toEqual([
      'Add',
      'ArgMax',
      'ArgMin',
      'Multiply',
      'Relu',
      'Reshape',
      'Softmax',
      'SquaredDifference',
      'Sum',
    ]);
    expect(KERNELS.map((k) => k.kernelName).sort()).toEqual(names);
  });
  it('leaves every other kernel unregistered, so an op outside the list fails', () => {
    expect(() => tf.tidy(() => tf.exp(tf.tensor1d([1])))).toThrow(
      /Kernel 'Exp' not registered for backend 'cpu'/,
    );
  });
  it('runs on the cpu backend', () => {
    expect(tf.getBackend()).toBe('cpu');
  });
  it('initialises once: every call to ready() returns the same promise', () => {
    expect(ready()).toBe(ready());
  });
  it('leaves no tensor behind after assigning', () => {
    const before = tf.memory().numTensors;
    assign(
      centroidModel([
        [0, 0],
        [1, 1],
      ]),
      [0.5, 0.2],
    );
    assign(
      softmaxModel(
        [
          [1, 0],
          [0, 1],
        ],
        [0, 0],
      ),
      [0.5, 0.2],
    );
    assignBatch(
      centroidModel([
        [0, 0],
        [1, 1],
      ]),
      [
        [0.5, 0.2],
        [1, 1],
      ],
    );
    expect(tf.memory().numTensors).toBe(before);
  });
  it('refuses to assign before ready() in a fresh module graph', async () => {
    vi.resetModules();
    const fresh = await import('../../../src/core/model.js');
    expect(() => fresh.assign(centroidModel([[0], [1]]), [0])).toThrow(/ready\(\)/);
  });
});

describe('assign: nearest centroid', () => {
  const model = centroidModel([
    [0, 0],
    [1, 1],
    [-1, 0.5],
  ]);
  it('scores each segment by squared Euclidean distance and picks the nearest', () => {
    const { index, scores } = assign(model, [0.9, 0.8]);
    expect(index).toBe(1);
    // (0.81 + 0.64), (0.01 + 0.04), (3.61 + 0.09)
    expectRelativelyClose(scores, [1.45, 0.05, 3.7]);
  });
  it('breaks a tie towards the lowest index', () => {
    expect(
      assign(
        centroidModel([
          [1, 0],
          [0, 1],
          [0, 1],
        ]),
        [0, 0],
      ).index,
    ).toBe(0);
    expect(
      assign(
        centroidModel([
          [2, 0],
          [0, 1],
          [0, 1],
        ]),
        [0, 0],
      ).index,
    ).toBe(1);
  });
  it('names the input when it has the wrong number of features', () => {
    expect(() => assign(model, [0.1])).toThrow(EdsegError);
    try {
      assign(model, [0.1]);
    } catch (e) {
      expect((e as EdsegError).field).toBe('x');
    }
  });
  it('names the centroids when their shape does not match the segments and features', () => {
    const bad = {
      ...model,
      centroids: [
        [0, 0],
        [1, 1],
      ],
    };
    try {
      assign(bad, [0, 0]);
      expect.unreachable();
    } catch (e) {
      expect((e as EdsegError).field).toBe('centroids');
    }
  });
});

describe('assign: softmax head', () => {
  const model = softmaxModel(
    [
      [1, -1],
      [0.5, 2],
    ],
    [0, 0.1],
  );
  it('scores each segment by softmax(x·W + b) and picks the most probable', () => {
    // logits: 0.2 - 0.2 + 0 = 0 and -0.2 - 0.8 + 0.1 = -0.9
    const { index, scores } = assign(model, [0.2, -0.4]);
    expect(index).toBe(0);
    expectRelativelyClose(scores, [1 / (1 + Math.exp(-0.9)), 1 / (1 + Math.exp(0.9))]);
  });
  it('breaks a tie towards the lowest index', () => {
    expect(assign(softmaxModel([[0, 1, 1]], [0, 0, 0]), [1]).index).toBe(1);
  });
  it('names the bias when it has the wrong length', () => {
    try {
      assign({ ...model, bias: [0] }, [0, 0]);
      expect.unreachable();
    } catch (e) {
      expect((e as EdsegError).field).toBe('bias');
    }
  });
});

describe('assign equals assignReference', () => {
  it('on a grid where float32 is exact: the same index (ties included) and the same scores', () => {
    fc.assert(
      fc.property(modelAndInputs(grid, { min: 1, max: 1 }), ({ model, xs: [x] }) => {
        const got = assign(model, x!);
        const want = assignReference(model, x!);
        expect(got.index).toBe(want.index);
        if (model.kind === 'centroids') expect(got.scores).toEqual(want.scores);
        else expectRelativelyClose(got.scores, want.scores);
      }),
      { numRuns: 300 },
    );
  });
  it('on fine inputs: scores within 1e-4 relative, and an index whose reference score ties the best within that tolerance', () => {
    fc.assert(
      fc.property(modelAndInputs(fine, { min: 1, max: 1 }), ({ model, xs: [x] }) => {
        const got = assign(model, x!);
        const want = assignReference(model, x!);
        expectRelativelyClose(got.scores, want.scores);
        expectRelativelyClose([want.scores[got.index]!], [want.scores[want.index]!]);
      }),
      { numRuns: 300 },
    );
  });
  it('never picks a segment whose parameters repeat an earlier one, in either implementation', () => {
    const twinned = modelAndInputs(fine, { min: 1, max: 1 }).filter((c) => c.twin !== null);
    fc.assert(
      fc.property(twinned, ({ model, xs: [x], twin }) => {
        const got = assign(model, x!);
        expect(got.scores[twin!]).toBe(got.scores[0]);
        expect(got.index).not.toBe(twin);
        expect(assignReference(model, x!).index).not.toBe(twin);
      }),
      { numRuns: 200 },
    );
  });
});

describe('assignBatch', () => {
  it('gives each row the index assign gives it alone', () => {
    fc.assert(
      fc.property(modelAndInputs(fine, { min: 0, max: 12 }), ({ model, xs }) => {
        expect(assignBatch(model, xs)).toEqual(xs.map((x) => assign(model, x).index));
      }),
      { numRuns: 150 },
    );
  });
  it('returns an empty list for no rows', () => {
    expect(assignBatch(centroidModel([[0], [1]]), [])).toEqual([]);
  });
  it('names the offending row', () => {
    try {
      assignBatch(centroidModel([[0], [1]]), [[0], [0, 1]]);
      expect.unreachable();
    } catch (e) {
      expect((e as EdsegError).field).toBe('xs.1');
    }
  });
});

describe('modelInput', () => {
  const model = {
    ...centroidModel([
      [0, 0],
      [1, 1],
    ]),
    features: ['quizScore', 'lessons'],
  };
  it('picks the model features by name out of the manifest-ordered vector', () => {
    expect(modelInput(model, ['lessons', 'goal', 'quizScore'], [0.1, 0.2, 0.3])).toEqual([0.3, 0.1]);
  });
  it('names the model feature the manifest does not have', () => {
    try {
      modelInput(model, ['lessons', 'goal'], [0.1, 0.2]);
      expect.unreachable();
    } catch (e) {
      expect((e as EdsegError).field).toBe('features.0');
    }
  });
  it('refuses a vector whose length differs from the names', () => {
    expect(() => modelInput(model, ['lessons', 'quizScore'], [0.1])).toThrow(EdsegError);
  });
});
