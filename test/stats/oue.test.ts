/**
 * OUE (Wang et al., USENIX Security 2017, Sec. 4.3): output domain, unbiasedness, variance against
 * the formula over 200,000 draws at eps in {0.5, 1, 2, 4}, and the privacy audit per bit, on the
 * two bits that differ, and jointly over all bits where k is small, with its negative control.
 */
import { describe, expect, it } from 'vitest';
import { ouePerturb, oueProbabilities, oueVariance } from '../../src/core/privacy/oue.js';
import { chooseOracle } from '../../src/core/privacy/segment.js';
import { perturbSegment, seededRandom, type Rng } from '../../src/privacy.js';
import { audit, type Partition } from './audit.js';
import { expectMeanAndVariance } from './fixtures.js';

const EPS = [0.5, 1, 2, 4];
const N = 200_000;
const K = 8;
const F = [0.4, 0.3, 0.2, 0.1, 0, 0, 0, 0];

describe('OUE', () => {
  it('has q = 1 / (e^eps + 1), so p (1 - q) / (q (1 - p)) = e^eps', () => {
    for (const eps of EPS) {
      const { p, q } = oueProbabilities(eps);
      expect(p).toBe(0.5);
      expect((p * (1 - q)) / (q * (1 - p))).toBeCloseTo(Math.exp(eps), 12);
    }
  });

  it("gives Wang et al.'s Var* = 4 e^eps / (n (e^eps - 1)^2) for a value with share 0", () => {
    for (const eps of EPS) {
      const e = Math.exp(eps);
      expect(oueVariance(eps, 1000)).toBeCloseTo((4 * e) / (1000 * (e - 1) ** 2), 15);
    }
  });

  it('is the oracle chosen exactly when k >= 3 e^eps + 2', () => {
    for (const eps of EPS) {
      const cross = 3 * Math.exp(eps) + 2;
      expect(chooseOracle(Math.ceil(cross), eps)).toBe('oue');
      expect(chooseOracle(Math.ceil(cross) - 1, eps)).toBe('grr');
      expect(oueVariance(eps) <= (Math.ceil(cross) - 2 + Math.exp(eps)) / Math.expm1(eps) ** 2).toBe(true);
    }
  });

  for (const eps of EPS) {
    it(`reports k bits, each 0 or 1, at eps = ${eps}`, () => {
      const rng = seededRandom(3);
      for (let i = 0; i < 2_000; i++) {
        const bits = ouePerturb(i % K, K, eps, rng);
        expect(bits).toHaveLength(K);
        expect(bits.every((b) => b === 0 || b === 1)).toBe(true);
      }
    });

    it(`debiases every bit to its true share and matches the variance formula within 10% at eps = ${eps}`, () => {
      const rng = seededRandom(200 + eps);
      const { p, q } = oueProbabilities(eps);
      const y = F.map(() => new Float64Array(N));
      for (let i = 0; i < N; i++) {
        const u = rng.real();
        const truth = u < 0.4 ? 0 : u < 0.7 ? 1 : u < 0.9 ? 2 : 3;
        const bits = ouePerturb(truth, K, eps, rng);
        for (let v = 0; v < K; v++) (y[v] as Float64Array)[i] = ((bits[v] as number) - q) / (p - q);
      }
      F.forEach((f, v) => expectMeanAndVariance(y[v] as Float64Array, f, oueVariance(eps, 1, f)));
    });
  }
});

describe('OUE privacy audit (StatDP-style)', () => {
  type Bits = (0 | 1)[];
  /** Per-bit bins for every bit, the joint of the two bits that differ, and all bits jointly when 2^k is small. */
  function partitions(k: number): Partition<Bits>[] {
    const out: Partition<Bits>[] = Array.from({ length: k }, (_, j) => ({
      name: `bit ${j}`,
      key: (b: Bits) => b[j] as number,
    }));
    out.push({ name: 'bits 0 and 1', key: (b) => `${b[0]}${b[1]}` });
    if (k <= 10) out.push({ name: 'all bits', key: (b) => b.join('') });
    return out;
  }
  const bitsOf = (r: ReturnType<typeof perturbSegment>): Bits => {
    if (r.oracle !== 'oue') throw new Error('expected an OUE response');
    return r.bits;
  };
  for (const eps of EPS) {
    // The smallest k for which perturbSegment picks OUE at this eps.
    const k = Math.ceil(3 * Math.exp(eps) + 2);
    const draws = k > 100 ? 100_000 : 200_000;
    const run = (claimed: number, sample: (v: number, rng: Rng) => Bits, seed: number) => {
      const rng = seededRandom(seed);
      return audit({
        eps: claimed,
        draws,
        sampleA: () => sample(0, rng),
        sampleB: () => sample(1, rng),
        partitions: partitions(k),
      });
    };

    it(`finds no ratio above e^eps for segment 0 vs 1 with k = ${k} at eps = ${eps}`, () => {
      const r = run(eps, (v, rng) => bitsOf(perturbSegment(v, k, eps, rng)), 21);
      expect(r.violations).toEqual([]);
    });

    it(`reports a violation when OUE with k = ${k} runs at 2 eps but claims eps = ${eps}`, () => {
      const r = run(eps, (v, rng) => ouePerturb(v, k, 2 * eps, rng), 22);
      expect(r.ok).toBe(false);
      expect(r.epsLowerBound).toBeGreaterThan(eps);
    });
  }

  it('sees at most (e^eps + 1) / 2 in any single bit, and more in the two bits that differ', () => {
    const eps = 1;
    const perBit = Array.from({ length: 11 }, (_, j) => ({
      name: `bit ${j}`,
      key: (b: Bits) => b[j] as number,
    }));
    const pair = [{ name: 'bits 0 and 1', key: (b: Bits) => `${b[0]}${b[1]}` }];
    const run = (parts: Partition<Bits>[], seed: number) => {
      const rng = seededRandom(seed);
      return audit({
        eps,
        draws: 200_000,
        sampleA: () => ouePerturb(0, 11, eps, rng),
        sampleB: () => ouePerturb(1, 11, eps, rng),
        partitions: parts,
      });
    };
    const singleBitBound = Math.log((Math.exp(eps) + 1) / 2);
    expect(run(perBit, 23).epsLowerBound).toBeLessThan(singleBitBound);
    expect(run(pair, 24).epsLowerBound).toBeGreaterThan(singleBitBound);
  });
});
