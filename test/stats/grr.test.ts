/**
 * GRR (Wang et al., USENIX Security 2017, Sec. 4.1): output domain, unbiasedness, variance against
 * the formula over 200,000 draws at eps in {0.5, 1, 2, 4}, and the privacy audit with its negative
 * control (the same audit must catch GRR run at twice the claimed epsilon).
 */
import { describe, expect, it } from 'vitest';
import { grrPerturb, grrProbabilities, grrVariance } from '../../src/core/privacy/grr.js';
import { perturbSegment, seededRandom } from '../../src/privacy.js';
import { audit } from './audit.js';
import { expectMeanAndVariance } from './fixtures.js';

const EPS = [0.5, 1, 2, 4];
const N = 200_000;
const K = 4;
// True shares of the simulated population (every eps in EPS keeps k = 4 below 3 e^eps + 2).
const F = [0.5, 0.3, 0.2, 0];

/** N GRR reports from a population with shares F, and each value's debiased indicator Y_v. */
function simulate(eps: number, seed: number): Float64Array[] {
  const rng = seededRandom(seed);
  const { p, q } = grrProbabilities(K, eps);
  const y = F.map(() => new Float64Array(N));
  for (let i = 0; i < N; i++) {
    const u = rng.real();
    const truth = u < 0.5 ? 0 : u < 0.8 ? 1 : 2;
    const r = grrPerturb(truth, K, eps, rng);
    for (let v = 0; v < K; v++) (y[v] as Float64Array)[i] = ((r === v ? 1 : 0) - q) / (p - q);
  }
  return y;
}

describe('GRR', () => {
  it('has p / q = e^eps and p + (k - 1) q = 1', () => {
    for (const eps of EPS) {
      const { p, q } = grrProbabilities(7, eps);
      expect(p / q).toBeCloseTo(Math.exp(eps), 12);
      expect(p + 6 * q).toBeCloseTo(1, 12);
    }
  });

  it("gives Wang et al.'s Var* = (k - 2 + e^eps) / (n (e^eps - 1)^2) for a value with share 0", () => {
    for (const eps of EPS) {
      const e = Math.exp(eps);
      expect(grrVariance(5, eps, 1000)).toBeCloseTo((5 - 2 + e) / (1000 * (e - 1) ** 2), 15);
    }
  });

  for (const eps of EPS) {
    it(`reports only values in [0, k) and reaches every one of them at eps = ${eps}`, () => {
      const rng = seededRandom(11);
      const seen = new Set<number>();
      for (let i = 0; i < 20_000; i++) {
        const r = grrPerturb(2, K, eps, rng);
        expect(Number.isInteger(r) && r >= 0 && r < K).toBe(true);
        seen.add(r);
      }
      expect([...seen].sort()).toEqual([0, 1, 2, 3]);
    });

    it(`debiases to the true shares and matches the variance formula within 10% at eps = ${eps}`, () => {
      const y = simulate(eps, 100 + eps);
      F.forEach((f, v) => expectMeanAndVariance(y[v] as Float64Array, f, grrVariance(K, eps, 1, f)));
    });
  }
});

describe('GRR privacy audit (StatDP-style)', () => {
  const key = (r: ReturnType<typeof perturbSegment>) =>
    r.oracle === 'grr' ? r.value : `oue:${r.bits.join('')}`;
  const cases: [number, number][] = [
    [2, 4],
    [4, 0.5],
    [4, 1],
    [4, 2],
    [5, 4],
  ];
  for (const [k, eps] of cases) {
    const run = (claimed: number, actual: number, seed: number) => {
      const rng = seededRandom(seed);
      return audit({
        eps: claimed,
        draws: 200_000,
        sampleA: () => perturbSegment(0, k, actual, rng),
        sampleB: () => perturbSegment(1, k, actual, rng),
        partitions: [{ name: 'value', key }],
      });
    };

    it(`finds no ratio above e^eps for segment 0 vs 1 with k = ${k} at eps = ${eps}`, () => {
      expect(perturbSegment(0, k, eps, seededRandom(1)).oracle).toBe('grr');
      const r = run(eps, eps, 7);
      expect(r.violations).toEqual([]);
      expect(r.ok).toBe(true);
    });

    it(`reports a violation when GRR with k = ${k} runs at 2 eps but claims eps = ${eps}`, () => {
      const r = run(eps, 2 * eps, 8);
      expect(r.ok).toBe(false);
      expect(r.epsLowerBound).toBeGreaterThan(eps);
    });
  }
});
