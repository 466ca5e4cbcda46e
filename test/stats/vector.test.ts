/**
 * The feature vector (Wang et al., ICDE 2019, Sec. IV): how many dimensions a report samples,
 * uniform sampling without replacement, unbiased scaled coordinates with the variance formula
 * within 10% over 100,000 draws at eps in {0.5, 1, 2, 4} (and larger eps where m > 1), and the
 * privacy audit of the whole vector with its negative control.
 */
import { describe, expect, it } from 'vitest';
import { duchiBound } from '../../src/core/privacy/duchi.js';
import { piecewiseBound } from '../../src/core/privacy/piecewise.js';
import { perturbVector, sampledDimensions, seededRandom, vectorVariance } from '../../src/privacy.js';
import { audit, equalWidth, type Partition } from './audit.js';
import { expectMeanAndVariance } from './fixtures.js';
import { chiSquareTest } from './stats.js';

const N = 100_000;
type Out = { dims: number[]; values: number[] };

describe('feature vector', () => {
  it('samples m = max(1, min(d, floor(eps / 2.5))) dimensions', () => {
    const cases: [number, number, number][] = [
      [5, 0.5, 1],
      [5, 2.49, 1],
      [5, 5, 2],
      [5, 7.49, 2],
      [5, 7.5, 3],
      [2, 20, 2],
      [1, 10, 1],
    ];
    for (const [d, eps, m] of cases) {
      expect(sampledDimensions(d, eps)).toBe(m);
      expect(perturbVector(new Array(d).fill(0), eps, seededRandom(1)).dims).toHaveLength(m);
    }
  });

  it('lists distinct dimensions below d in ascending order, one value each', () => {
    const rng = seededRandom(2);
    for (let i = 0; i < 5_000; i++) {
      const { dims, values } = perturbVector([0.1, -0.2, 0.3, -0.4, 0.5, 0], 7.5, rng);
      expect(dims).toHaveLength(3);
      expect(values).toHaveLength(3);
      expect(
        dims.every(
          (j, n) => Number.isInteger(j) && j >= 0 && j < 6 && (n === 0 || j > (dims[n - 1] as number)),
        ),
      ).toBe(true);
    }
  });

  it('samples every m-subset of the dimensions equally often', () => {
    const rng = seededRandom(3);
    const counts = new Map<string, number>();
    for (let i = 0; i < 60_000; i++) {
      const key = perturbVector([0, 0, 0, 0], 5, rng).dims.join(',');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    expect(chiSquareTest([...counts.values()], new Array(6).fill(1 / 6)).p).toBeGreaterThan(1e-4);
  });

  it('sends each sampled coordinate as an HM output at eps / m scaled by d / m', () => {
    const rng = seededRandom(4);
    const [d, eps] = [4, 5];
    const m = sampledDimensions(d, eps);
    for (let i = 0; i < 5_000; i++) {
      for (const v of perturbVector([0.9, -0.9, 0.1, 0], eps, rng).values) {
        const y = (v * m) / d;
        expect(Math.abs(y) === duchiBound(eps / m) || Math.abs(y) < piecewiseBound(eps / m)).toBe(true);
      }
    }
  });

  const x = [0.8, -0.5, 0.1, -1];
  for (const eps of [0.5, 1, 2, 4, 6, 10]) {
    it(`gives unbiased coordinates (0 where unsampled) with the variance formula within 10% at eps = ${eps}`, () => {
      const rng = seededRandom(700 + eps);
      const z = x.map(() => new Float64Array(N));
      for (let i = 0; i < N; i++) {
        const { dims, values } = perturbVector(x, eps, rng);
        dims.forEach((j, n) => ((z[j] as Float64Array)[i] = values[n] as number));
      }
      x.forEach((t, j) => expectMeanAndVariance(z[j] as Float64Array, t, vectorVariance(t, x.length, eps)));
    });
  }
});

describe('feature vector: privacy audit (StatDP-style)', () => {
  /** Bins of the whole output: which dims, and each value in equal-width bins (atoms +-B kept apart). */
  function partitions(d: number, eps: number, resolutions: number[]): Partition<Out>[] {
    const m = sampledDimensions(d, eps);
    const b = (duchiBound(eps / m) * d) / m;
    const c = (piecewiseBound(eps / m) * d) / m;
    return resolutions.map((r) => {
      const bin = equalWidth(-c, c, r);
      return {
        name: `bins:${r}`,
        key: (o: Out) =>
          `${o.dims.join(',')}|${o.values.map((v) => (Math.abs(v) === b ? `atom:${v}` : bin(v))).join(',')}`,
      };
    });
  }
  const cases: [number, number, number[]][] = [
    [3, 1, [4, 16, 64]],
    [3, 4, [4, 16, 64]],
    [2, 5, [4, 8, 16]],
  ];
  for (const [d, eps, resolutions] of cases) {
    const run = (actual: number, seed: number) => {
      const rng = seededRandom(seed);
      return audit({
        eps,
        draws: 200_000,
        sampleA: () => perturbVector(new Array(d).fill(-1), actual, rng),
        sampleB: () => perturbVector(new Array(d).fill(1), actual, rng),
        partitions: partitions(d, actual, resolutions),
      });
    };
    it(`finds no ratio above e^eps for x = -1s vs x = 1s with d = ${d} at eps = ${eps}`, () => {
      expect(run(eps, 61).violations).toEqual([]);
    });
    it(`reports a violation when the vector with d = ${d} runs at 2 eps but claims eps = ${eps}`, () => {
      const r = run(2 * eps, 62);
      expect(r.ok).toBe(false);
      expect(r.epsLowerBound).toBeGreaterThan(eps);
    });
  }
});
