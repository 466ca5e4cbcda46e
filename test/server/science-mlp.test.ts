/** trainMlp (src/server/science/mlp.ts): learns what a linear model cannot, seeded, early-stopped, class-weighted. */
import { describe, expect, it } from 'vitest';
import { assign, assignReference } from '../../src/core/model.js';
import { seededRandom } from '../../src/core/privacy/random.js';
import { Model } from '../../src/core/schema.js';
import { ready } from '../../src/core/tf.js';
import { auc } from '../../src/core/science/metrics.js';
import { mergeMlps, mlpModel, trainMlp, trainMlpBag } from '../../src/server/science/mlp.js';
import { trainSoftmax } from '../../src/server/science/softmax.js';
import { softmaxModel } from '../../src/server/science/train.js';

/** XOR of the signs of two features, plus a noise feature: no linear boundary separates it. */
function xor(n: number, seed: number, positiveShare = 0.5) {
  const rng = seededRandom(seed);
  const x: number[][] = [];
  const y: number[] = [];
  while (x.length < n) {
    const row = [2 * rng.real() - 1, 2 * rng.real() - 1, 2 * rng.real() - 1];
    const label = row[0]! * row[1]! > 0 ? 1 : 0;
    // thin the positives to the share asked for
    if (label === 1 && rng.real() > positiveShare / (1 - positiveShare)) continue;
    x.push(row);
    y.push(label);
  }
  return { x, y };
}

const model = (layers: { weights: number[][]; bias: number[] }[]) =>
  mlpModel(
    'm',
    'instruction',
    ['a', 'b', 'c'],
    ['no', 'yes'],
    { layers },
    () => 'test',
    'test',
    '2025-01-01',
  );

describe('trainMlp', () => {
  it('separates XOR (held-out AUC > 0.95) where the softmax stays near chance', async () => {
    const train = xor(400, 1);
    const test = xor(400, 2);
    const fit = await trainMlp(train.x, train.y, 2, { hidden: [16], l2: 0.001, epochs: 600, seed: 3 });
    const m = model(fit.layers);
    expect(Model.safeParse(m).success).toBe(true);
    const p = test.x.map((r) => assignReference(m, r).scores[1]!);
    expect(
      auc(
        p,
        test.y.map((v) => v === 1),
      ),
    ).toBeGreaterThan(0.95);
    const lin = await trainSoftmax(train.x, train.y, 2, { l2: 0.001 });
    const s = softmaxModel('s', 'instruction', ['a', 'b', 'c'], ['no', 'yes'], lin, () => '', 'x', 'y');
    const q = test.x.map((r) => assignReference(s, r).scores[1]!);
    expect(
      auc(
        q,
        test.y.map((v) => v === 1),
      ),
    ).toBeLessThan(0.65);
  }, 60_000);

  it('is seeded: the same seed gives the same weights, another seed others; two hidden layers work', async () => {
    const { x, y } = xor(120, 4);
    const opts = { hidden: [6, 4], epochs: 40, seed: 9 };
    const a = await trainMlp(x, y, 2, opts);
    const b = await trainMlp(x, y, 2, opts);
    const c = await trainMlp(x, y, 2, { ...opts, seed: 10 });
    expect(a.layers).toEqual(b.layers);
    expect(a.layers).not.toEqual(c.layers);
    expect(a.layers.map((l) => [l.weights.length, l.bias.length])).toEqual([
      [3, 6],
      [6, 4],
      [4, 2],
    ]);
  }, 60_000);

  it('stops early on the inner validation fold and returns the best epoch', async () => {
    // pure noise labels: the validation loss stops improving soon, long before 2,000 epochs
    const rng = seededRandom(5);
    const x = Array.from({ length: 150 }, () => [rng.real(), rng.real(), rng.real()]);
    const y = x.map(() => (rng.real() < 0.5 ? 1 : 0));
    const fit = await trainMlp(x, y, 2, {
      hidden: [32],
      l2: 0,
      learningRate: 0.05,
      epochs: 2000,
      patience: 20,
      seed: 1,
    });
    expect(fit.epochs).toBeLessThan(2000);
    expect(fit.epochs - fit.bestEpoch).toBe(20);
    expect(Number.isFinite(fit.validationLoss)).toBe(true);
  }, 60_000);

  it('weights the classes: the minority is predicted more often with class weights than without', async () => {
    const { x, y } = xor(300, 6, 0.15);
    const share = async (classWeights: boolean) => {
      const fit = await trainMlp(x, y, 2, { hidden: [4], epochs: 60, classWeights, seed: 2 });
      const m = model(fit.layers);
      return x.filter((r) => assignReference(m, r).index === 1).length / x.length;
    };
    expect(await share(true)).toBeGreaterThan(await share(false));
  }, 60_000);

  it("a bag is one wider mlp whose logits are the mean of its members' (one and two hidden layers)", async () => {
    const { x, y } = xor(200, 7);
    const probe = xor(40, 8).x;
    await ready();
    for (const hidden of [[5], [6, 3]]) {
      const members = await Promise.all(
        [11, 12, 13].map((seed) => trainMlp(x, y, 2, { hidden, epochs: 30, seed })),
      );
      const merged = model(mergeMlps(members).layers);
      expect(Model.safeParse(merged).success).toBe(true);
      // widths: the members' hidden units side by side
      expect(merged.layers.map((l) => l.bias.length)).toEqual([...hidden.map((h) => 3 * h), 2]);
      for (const r of probe) {
        // softmax of the mean logits = softmax of the mean log-probabilities (the log-sum-exp cancels)
        const meanLog = [0, 1].map(
          (c) =>
            members.reduce((s, f) => s + Math.log(assignReference(model(f.layers), r).scores[c]!), 0) / 3,
        );
        const z = Math.exp(meanLog[0]!) + Math.exp(meanLog[1]!);
        const ref = assignReference(merged, r).scores;
        expect(ref[1]).toBeCloseTo(Math.exp(meanLog[1]!) / z, 5);
        // and the device's TensorFlow.js path agrees with the reference on the merged network
        expect(assign(merged, r).scores[1]).toBeCloseTo(ref[1]!, 4);
      }
    }
  }, 60_000);

  it('trainMlpBag: members by seeds seed, seed + 1, ...; one member is trainMlp itself', async () => {
    const { x, y } = xor(120, 9);
    const opts = { hidden: [4], epochs: 20, seed: 5 };
    expect((await trainMlpBag(x, y, 2, 1, opts)).layers).toEqual((await trainMlp(x, y, 2, opts)).layers);
    const two = await trainMlpBag(x, y, 2, 2, opts);
    const members = [await trainMlp(x, y, 2, opts), await trainMlp(x, y, 2, { ...opts, seed: 6 })];
    expect(two).toEqual(mergeMlps(members));
    expect(() => mergeMlps([])).toThrow(/no members/);
    expect(() => mergeMlps([members[0]!, { layers: members[0]!.layers.slice(1) }])).toThrow(/differ/);
  }, 60_000);

  it('refuses three hidden layers', async () => {
    await expect(trainMlp([[0]], [0], 2, { hidden: [2, 2, 2] })).rejects.toThrow(/hidden/);
  });
});
