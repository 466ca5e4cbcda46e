/**
 * The pure numerics of src/core/science: silhouette against a hand computation, PCA on data of a
 * known covariance, the adjusted Rand index, AUC, calibration and drift on planted series.
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/core/privacy/random.js';
import { adjustedRandIndex, kmeansPlusPlus, silhouette } from '../../../src/core/science/cluster.js';
import { detectDrift, falseFlagRate, type PeriodEstimates } from '../../../src/core/science/drift.js';
import {
  auc,
  calibrationCurve,
  confusionMatrix,
  rocCurve,
  stratifiedFolds,
} from '../../../src/core/science/metrics.js';
import { covariance, pca, symmetricEigen } from '../../../src/core/science/pca.js';

/** n draws of N(0, 1), Box-Muller over a seeded generator. */
function normals(n: number, seed: number): number[] {
  const rng = seededRandom(seed);
  return Array.from(
    { length: n },
    () => Math.sqrt(-2 * Math.log(1 - rng.real())) * Math.cos(2 * Math.PI * rng.real()),
  );
}

describe('silhouette', () => {
  it('equals the hand-computed mean on a small fixed example', () => {
    // clusters {0, 1} and {4, 6} on a line:
    //   0: a = 1, b = (4 + 6)/2 = 5   -> 4/5     1: a = 1, b = (3 + 5)/2 = 4 -> 3/4
    //   4: a = 2, b = (4 + 3)/2 = 3.5 -> 1.5/3.5 6: a = 2, b = (6 + 5)/2 = 5.5 -> 3.5/5.5
    const s = silhouette([[0], [1], [4], [6]], [0, 0, 1, 1]);
    expect(s.method).toBe('exact');
    expect(s.mean).toBeCloseTo((4 / 5 + 3 / 4 + 1.5 / 3.5 + 3.5 / 5.5) / 4, 12);
  });

  it('counts a row alone in its cluster as 0, and samples above maxRows saying so', () => {
    // {0, 1} and {10}: 0 -> (10 - 1)/10, 1 -> (9 - 1)/9, 10 -> 0
    expect(silhouette([[0], [1], [10]], [0, 0, 1]).mean).toBeCloseTo((0.9 + 8 / 9 + 0) / 3, 12);
    const x = Array.from({ length: 300 }, (_, i) => [i < 150 ? 0 : 10, (i % 7) / 7]);
    const labels = x.map((r) => (r[0]! > 5 ? 1 : 0));
    const s = silhouette(x, labels, { maxRows: 100, rng: seededRandom(1) });
    expect(s).toMatchObject({ method: 'sampled', rows: 100 });
    expect(s.mean).toBeGreaterThan(0.9);
  });
});

describe('pca', () => {
  it('recovers the eigenvectors of a known symmetric matrix', () => {
    // [[2, 1], [1, 2]]: eigenvalues 3 and 1, vectors (1, 1)/√2 and (1, -1)/√2
    const { values, vectors } = symmetricEigen([
      [2, 1],
      [1, 2],
    ]);
    expect(values[0]).toBeCloseTo(3, 10);
    expect(values[1]).toBeCloseTo(1, 10);
    expect(Math.abs(vectors[0]![0]!)).toBeCloseTo(Math.SQRT1_2, 10);
    expect(vectors[0]![0]! * vectors[0]![1]!).toBeGreaterThan(0);
  });

  it('finds the first principal component of data with covariance [[3, 1], [1, 2]]', () => {
    // x = L·z with L the Cholesky factor of Σ: L = [[√3, 0], [1/√3, √(5/3)]]
    const z1 = normals(20000, 7);
    const z2 = normals(20000, 8);
    const x = z1.map((a, i) => [Math.sqrt(3) * a, a / Math.sqrt(3) + Math.sqrt(5 / 3) * z2[i]!]);
    const c = covariance(x);
    expect(c[0]![1]).toBeCloseTo(1, 1);
    const lambda = (5 + Math.sqrt(5)) / 2; // largest eigenvalue of Σ, vector ∝ (1, λ - 3)
    const truth = [1, lambda - 3].map((v) => v / Math.hypot(1, lambda - 3));
    const p = pca(x, 2);
    const cos = Math.abs(p.axes[0]![0]! * truth[0]! + p.axes[0]![1]! * truth[1]!);
    expect(cos).toBeGreaterThan(0.999);
    expect(p.variances[0]).toBeCloseTo(lambda, 0);
    expect(p.explained[0]).toBeCloseTo(lambda / 5, 1);
  });
});

describe('adjusted Rand index', () => {
  it('is 1 for the same partition renamed, about 0 for unrelated ones, and matches a hand value', () => {
    expect(adjustedRandIndex([0, 0, 1, 1, 2, 2], [2, 2, 0, 0, 1, 1])).toBe(1);
    const rng = seededRandom(3);
    const a = Array.from({ length: 4000 }, () => rng.int(3));
    const b = Array.from({ length: 4000 }, () => rng.int(3));
    expect(Math.abs(adjustedRandIndex(a, b))).toBeLessThan(0.01);
    // a = 0,0,0,1 and b = 0,0,1,1: contingency [[2, 1], [0, 1]], Σ C(nij, 2) = 1, Σ C(ai, 2) = 3,
    // Σ C(bj, 2) = 1 + 1 = 2, expected = 3·2 / C(4, 2) = 1, max = 2.5: ARI = (1 - 1)/(2.5 - 1) = 0
    expect(adjustedRandIndex([0, 0, 0, 1], [0, 0, 1, 1])).toBeCloseTo(0, 12);
  });
});

describe('kmeans++', () => {
  it('is repeatable for a seed and picks k distinct rows', () => {
    const x = Array.from({ length: 50 }, (_, i) => [i, i % 5]);
    const a = kmeansPlusPlus(x, 4, seededRandom(9));
    expect(kmeansPlusPlus(x, 4, seededRandom(9))).toEqual(a);
    expect(new Set(a.map((c) => c.join())).size).toBe(4);
  });
});

describe('metrics', () => {
  it('AUC is the Mann-Whitney probability, ties counted one half', () => {
    expect(auc([0.1, 0.4, 0.35, 0.8], [false, false, true, true])).toBeCloseTo(0.75, 12);
    expect(auc([1, 2, 3], [false, true, true])).toBe(1);
    expect(auc([0.5, 0.5], [false, true])).toBe(0.5);
    expect(auc([1, 2], [true, true])).toBeNaN();
  });

  it('the ROC curve steps through every distinct threshold, tied scores in one step', () => {
    expect(rocCurve([0.9, 0.8, 0.8, 0.1], [true, false, true, false])).toEqual([
      { fpr: 0, tpr: 0 },
      { fpr: 0, tpr: 0.5 },
      { fpr: 0.5, tpr: 1 },
      { fpr: 1, tpr: 1 },
    ]);
  });

  it('confusion matrix, calibration bins and stratified folds', () => {
    expect(confusionMatrix([0, 0, 1, 2], [0, 1, 1, 2], 3)).toEqual([
      [1, 1, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    const cal = calibrationCurve([0.05, 0.15, 0.12, 0.95, 1], [false, true, false, true, true], 10);
    expect(cal.map((b) => [b.lo, b.n, b.observed])).toEqual([
      [0, 1, 0],
      [0.1, 2, 0.5],
      [0.9, 2, 1],
    ]);
    const folds = stratifiedFolds([0, 0, 0, 0, 1, 1, 1, 1], 2, [0, 1, 2, 3, 4, 5, 6, 7]);
    expect(folds).toEqual([0, 1, 0, 1, 0, 1, 0, 1]);
  });
});

describe('drift', () => {
  const period = (p: number, share: number, mean: number): PeriodEstimates => ({
    period: p,
    models: [
      {
        model: 'pace',
        segments: [
          {
            id: 'steady',
            share: { value: share, se: 0.02 },
            featureMeans: [{ feature: 'sessions_7d', estimate: { value: mean, se: 0.05 } }],
          },
        ],
      },
    ],
  });

  it('flags a planted shift in a share and in a feature mean, and nothing in a stable series', () => {
    const stable = [0.3, 0.31, 0.29, 0.3, 0.305, 0.295].map((s, i) =>
      period(28 * i, s, 0.1 + 0.01 * (i % 2)),
    );
    const checks = detectDrift(stable);
    expect(checks).toHaveLength(2 * 5);
    expect(checks.filter((c) => c.flagged)).toEqual([]);
    const shifted = [...stable.slice(0, 5), period(140, 0.42, 0.35)];
    const flags = detectDrift(shifted).filter((c) => c.flagged);
    expect(flags.map((f) => [f.period, f.what])).toEqual([
      [140, 'share'],
      [140, 'sessions_7d'],
    ]);
    expect(flags[0]!.baseline).toBeCloseTo((0.305 + 0.3 + 0.29) / 3, 10);
  });

  it('says how many false flags chance raises: P(|Z| > z), and that share of a null series is flagged', () => {
    // Two-sided normal tails (to 1e-6): z = 1, 1.96, 2.5758, 3.
    expect(falseFlagRate(1)).toBeCloseTo(0.3173105, 6);
    expect(falseFlagRate()).toBeCloseTo(0.0499958, 6);
    expect(falseFlagRate(2.5758)).toBeCloseTo(0.01, 5);
    expect(falseFlagRate(3)).toBeCloseTo(0.0026998, 6);
    // A cell that never moves, estimated with its standard error (seeded normal noise): the flagged share is the rate.
    const rng = seededRandom(7);
    const normal = () => Math.sqrt(-2 * Math.log(1 - rng.real())) * Math.cos(2 * Math.PI * rng.real());
    const series = Array.from({ length: 4001 }, (_, i) =>
      period(7 * i, 0.3 + 0.02 * normal(), 0.1 + 0.05 * normal()),
    );
    const checks = detectDrift(series);
    expect(checks).toHaveLength(8000);
    const flagged = checks.filter((c) => c.flagged).length / checks.length;
    expect(Math.abs(flagged - falseFlagRate())).toBeLessThan(0.015);
  });

  it('skips suppressed cells and a cell with no earlier estimate', () => {
    const a = period(0, 0.3, 0.1);
    const b = period(28, 0.9, 0.9);
    b.models[0]!.segments[0]!.share = null;
    a.models[0]!.segments[0]!.featureMeans[0]!.estimate = null;
    expect(detectDrift([a, b])).toEqual([]);
  });
});
