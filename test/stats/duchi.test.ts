/**
 * Duchi et al. (JASA 2018) as stated in Wang et al. (ICDE 2019, Alg. 1): output domain,
 * unbiasedness, variance B^2 - t^2 within 10% over 200,000 draws at eps in {0.5, 1, 2, 4}, and the
 * privacy audit for t = -1 vs t = 1 with its negative control.
 */
import { describe, expect, it } from 'vitest';
import { duchiBound, duchiVariance } from '../../src/core/privacy/duchi.js';
import { perturbScalar, seededRandom } from '../../src/privacy.js';
import { expectMeanAndVariance, scalarAuditSpecs } from './fixtures.js';
import { draws } from './stats.js';

const EPS = [0.5, 1, 2, 4];
const TS = [-1, -0.3, 0, 0.7, 1];
const N = 200_000;

describe("Duchi et al.'s mechanism", () => {
  it('has B = (e^eps + 1) / (e^eps - 1)', () => {
    for (const eps of EPS) expect(duchiBound(eps)).toBeCloseTo((Math.exp(eps) + 1) / (Math.exp(eps) - 1), 12);
  });

  for (const eps of EPS) {
    it(`outputs only +B or -B, and both, at eps = ${eps}`, () => {
      const rng = seededRandom(1);
      const b = duchiBound(eps);
      const out = new Set(
        Array.from({ length: 10_000 }, (_, i) => perturbScalar(i % 2 ? 0.9 : -0.9, eps, 'duchi', rng)),
      );
      expect([...out].sort((x, y) => x - y)).toEqual([-b, b]);
    });

    it(`is unbiased with variance B^2 - t^2 within 10% at eps = ${eps}`, () => {
      const rng = seededRandom(300 + eps);
      for (const t of TS)
        expectMeanAndVariance(
          draws(N, () => perturbScalar(t, eps, 'duchi', rng)),
          t,
          duchiVariance(t, eps),
        );
    });
  }
});

describe("Duchi et al.'s mechanism: privacy audit (StatDP-style)", () => {
  scalarAuditSpecs('duchi', EPS, 31);
});
