/**
 * The Hybrid Mechanism (Wang et al., ICDE 2019, Sec. III-C): its mixing rule, PRIVACY.md's
 * worst-case variances, output domain, unbiasedness, variance within 10% over 200,000 draws at
 * eps in {0.5, 1, 2, 4}, and the privacy audit with its negative control.
 */
import { describe, expect, it } from 'vitest';
import { duchiBound } from '../../src/core/privacy/duchi.js';
import { GRID_CELLS } from '../../src/core/privacy/grid.js';
import { hybridPmWeight, hybridVariance, hybridWorstVariance } from '../../src/core/privacy/hybrid.js';
import { piecewiseBound, piecewiseCellValue } from '../../src/core/privacy/piecewise.js';
import { perturbScalar, seededRandom } from '../../src/privacy.js';
import { expectMeanAndVariance, scalarAuditSpecs } from './fixtures.js';
import { draws } from './stats.js';

const EPS = [0.5, 1, 2, 4];
const TS = [-1, -0.5, 0, 0.2, 1];
const N = 200_000;

/** Whether x is one of HM's outputs at eps: Duchi's +-B or a PM grid midpoint. */
function isHybridOutput(x: number, eps: number): boolean {
  if (Math.abs(x) === duchiBound(eps)) return true;
  const c = piecewiseBound(eps);
  const cell = Math.round(((x + c) * GRID_CELLS) / (2 * c) - 0.5);
  return cell >= 0 && cell < GRID_CELLS && piecewiseCellValue(eps, cell) === x;
}

describe('Hybrid Mechanism', () => {
  it('uses PM with probability 1 - e^(-eps/2) above eps* = 0.61 and Duchi alone at or below it', () => {
    expect(hybridPmWeight(0.61)).toBe(0);
    expect(hybridPmWeight(0.5)).toBe(0);
    for (const eps of [0.62, 1, 2, 4]) expect(hybridPmWeight(eps)).toBeCloseTo(1 - Math.exp(-eps / 2), 14);
  });

  it("has PRIVACY.md's worst-case n Var: 4.29 at eps = 1, 1.04 at eps = 2, 0.22 at eps = 4", () => {
    expect(hybridWorstVariance(1)).toBeCloseTo(4.29, 2);
    expect(hybridWorstVariance(2)).toBeCloseTo(1.04, 2);
    expect(hybridWorstVariance(4)).toBeCloseTo(0.22, 2);
  });

  it('has a variance that does not depend on t above eps*', () => {
    for (const eps of [1, 2, 4])
      for (const t of TS) expect(hybridVariance(t, eps)).toBeCloseTo(hybridVariance(0, eps), 10);
  });

  it('outputs only +-B at eps <= 0.61', () => {
    const rng = seededRandom(5);
    const b = duchiBound(0.5);
    for (let i = 0; i < 5_000; i++) expect(Math.abs(perturbScalar(0.3, 0.5, 'hybrid', rng))).toBe(b);
  });

  for (const eps of EPS) {
    it(`outputs only Duchi's +-B or PM grid midpoints at eps = ${eps}`, () => {
      const rng = seededRandom(7);
      for (let i = 0; i < 20_000; i++)
        expect(isHybridOutput(perturbScalar(((i % 11) - 5) / 5, eps, 'hybrid', rng), eps)).toBe(true);
    });

    it(`is unbiased with the variance formula within 10% at eps = ${eps}`, () => {
      const rng = seededRandom(600 + eps);
      for (const t of TS)
        expectMeanAndVariance(
          draws(N, () => perturbScalar(t, eps, 'hybrid', rng)),
          t,
          hybridVariance(t, eps),
        );
    });
  }
});

describe('Hybrid Mechanism: privacy audit (StatDP-style)', () => {
  scalarAuditSpecs('hybrid', EPS, 51);
});
