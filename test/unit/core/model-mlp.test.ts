/**
 * The `mlp` model kind: the float64 reference (assignReference) is the specification, and the
 * device's TensorFlow.js build (assign, assignBatch: Multiply, Sum, Add, Relu, Reshape, Softmax, ArgMax) agrees
 * with it to float32 rounding; the manifest rules name a layer of the wrong shape.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { assign, assignBatch, assignReference } from '../../../src/core/model.js';
import { manifestIssues, MlpModel, type Model } from '../../../src/core/schema.js';
import { ready } from '../../../src/core/tf.js';

const segments = (k: number) =>
  Array.from({ length: k }, (_, i) => ({
    id: `s${i}`,
    name: `Segment ${i}`,
    minAgeBand: 'teen' as const,
    documentation: { dataSources: [], criteria: '', validation: '', changelog: [] },
  }));
const mlp = (d: number, layers: { weights: number[][]; bias: number[] }[]): MlpModel => ({
  id: 'm',
  purpose: 'instruction',
  kind: 'mlp',
  features: Array.from({ length: d }, (_, j) => `f${j}`),
  segments: segments(layers.at(-1)!.bias.length),
  layers,
});

beforeAll(async () => {
  await ready();
});

describe('mlp: the float64 reference', () => {
  it('is relu(x·W1 + b1)·W2 + b2 under softmax, worked by hand', () => {
    // hidden: relu([1, -1]·[[1, 2], [3, -1]] + [0, 0.5]) = relu([-2, 3.5]) = [0, 3.5]
    // logits: [0, 3.5]·[[1, 0], [0, 1]] + [0, 0] = [0, 3.5]
    const m = mlp(2, [
      {
        weights: [
          [1, 2],
          [3, -1],
        ],
        bias: [0, 0.5],
      },
      {
        weights: [
          [1, 0],
          [0, 1],
        ],
        bias: [0, 0],
      },
    ]);
    const { index, scores } = assignReference(m, [1, -1]);
    const e = Math.exp(3.5);
    expect(index).toBe(1);
    expect(scores[0]).toBeCloseTo(1 / (1 + e), 14);
    expect(scores[1]).toBeCloseTo(e / (1 + e), 14);
    expect(assign(m, [1, -1]).index).toBe(1);
  });
  it('names the layer whose shape does not match', () => {
    const bad = mlp(2, [
      { weights: [[1, 2]], bias: [0, 0] },
      { weights: [[1], [0]], bias: [0, 0] },
    ]);
    expect(() => assignReference(bad, [0, 0])).toThrow(/layer 0/);
    const issues = manifestIssues({
      features: [],
      models: [bad as Model],
      policy: { allowed: [], clear: [] },
    }).map((i) => i.path.join('.'));
    expect(issues).toContain('models.0.layers.0.weights');
    expect(issues).toContain('models.0.layers.1.weights.0');
  });
  it('the schema takes one or two hidden layers', () => {
    const layer = { weights: [[1]], bias: [0] };
    const out = { weights: [[1, -1]], bias: [0, 0] };
    expect(MlpModel.safeParse(mlp(1, [out])).success).toBe(false);
    expect(MlpModel.safeParse(mlp(1, [layer, out])).success).toBe(true);
    expect(MlpModel.safeParse(mlp(1, [layer, layer, out])).success).toBe(true);
    expect(MlpModel.safeParse(mlp(1, [layer, layer, layer, out])).success).toBe(false);
  });
});

describe('mlp: the device (TensorFlow.js, float32) agrees with the reference', () => {
  const value = fc.double({ min: -1, max: 1, noNaN: true });
  const matrix = (r: number, c: number) =>
    fc.array(fc.array(value, { minLength: c, maxLength: c }), { minLength: r, maxLength: r });
  const arbitrary = fc
    .record({
      d: fc.integer({ min: 1, max: 12 }),
      hidden: fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 2 }),
      k: fc.integer({ min: 2, max: 4 }),
    })
    .chain(({ d, hidden, k }) => {
      const widths = [d, ...hidden, k];
      return fc.record({
        model: fc
          .tuple(
            ...widths.slice(1).map((w, l) =>
              fc.record({
                weights: matrix(widths[l]!, w),
                bias: fc.array(value, { minLength: w, maxLength: w }),
              }),
            ),
          )
          .map((layers) => mlp(d, layers)),
        xs: fc.array(fc.array(value, { minLength: d, maxLength: d }), { minLength: 1, maxLength: 6 }),
      });
    });
  it('scores to 1e-5 and the same segment unless the top two are within 1e-4', () => {
    fc.assert(
      fc.property(arbitrary, ({ model, xs }) => {
        const batch = assignBatch(model, xs);
        xs.forEach((x, r) => {
          const ref = assignReference(model, x);
          const dev = assign(model, x);
          dev.scores.forEach((s, c) => expect(Math.abs(s - ref.scores[c]!)).toBeLessThanOrEqual(1e-5));
          const sorted = [...ref.scores].sort((a, b) => b - a);
          if (sorted[0]! - sorted[1]! > 1e-4) {
            expect(dev.index).toBe(ref.index);
            expect(batch[r]).toBe(ref.index);
          }
        });
      }),
      { numRuns: 200, seed: 21 },
    );
  });
  it('leaves no tensor behind', () => {
    const before = tf.memory().numTensors;
    const m = mlp(2, [
      { weights: [[1], [1]], bias: [0] },
      { weights: [[1, -1]], bias: [0, 0] },
    ]);
    assign(m, [0.1, 0.2]);
    assignBatch(m, [
      [0.1, 0.2],
      [0.3, -0.4],
    ]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
