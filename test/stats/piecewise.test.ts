/**
 * The Piecewise Mechanism (Wang et al., ICDE 2019, Alg. 2) on its 2^-20 output grid (Mironov,
 * CCS 2012): output domain, unbiasedness, variance within 10% over 200,000 draws at eps in
 * {0.5, 1, 2, 4}, the grid's exact probability ratio, and the privacy audit with its negative control.
 */
import { describe, expect, it } from 'vitest';
import { GRID_CELLS, snappedCell } from '../../src/core/privacy/grid.js';
import {
  piecewiseBound,
  piecewiseCellValue,
  piecewiseGridPmf,
  piecewiseVariance,
  piecewiseWorstVariance,
} from '../../src/core/privacy/piecewise.js';
import { perturbScalar, seededRandom } from '../../src/privacy.js';
import { expectMeanAndVariance, scalarAuditSpecs } from './fixtures.js';
import { bump, chiSquareTest, draws } from './stats.js';

const EPS = [0.5, 1, 2, 4];
const TS = [-1, -0.4, 0, 0.6, 1];
const N = 200_000;

/**
 * The mass of every grid cell straight from PRIVACY.md's definition: density p_c / (C - 1) on
 * [l, r] with p_c = e^(eps/2) / (e^(eps/2) + 1), and (1 - p_c) / (C + 1) elsewhere on [-C, C].
 */
function pmfFromDefinition(t: number, eps: number): Float64Array {
  const a = Math.exp(eps / 2);
  const c = (a + 1) / (a - 1);
  const l = ((c + 1) * t) / 2 - (c - 1) / 2;
  const r = l + c - 1;
  const hiDensity = a / (a + 1) / (c - 1);
  const loDensity = 1 / (a + 1) / (c + 1);
  const h = (2 * c) / GRID_CELLS;
  const pmf = new Float64Array(GRID_CELLS);
  for (let i = 0; i < GRID_CELLS; i++) {
    const x0 = -c + i * h;
    const inside = Math.max(0, Math.min(x0 + h, r) - Math.max(x0, l));
    pmf[i] = inside * hiDensity + (h - inside) * loDensity;
  }
  return pmf;
}

describe('Piecewise Mechanism', () => {
  it('has worst-case variance 4 e^(eps/2) / (3 (e^(eps/2) - 1)^2), reached at t = +-1', () => {
    for (const eps of EPS) {
      const a = Math.exp(eps / 2);
      expect(piecewiseWorstVariance(eps)).toBeCloseTo((4 * a) / (3 * (a - 1) ** 2), 10);
      expect(piecewiseVariance(1, eps)).toBeCloseTo(piecewiseWorstVariance(eps), 10);
      expect(piecewiseVariance(-1, eps)).toBeCloseTo(piecewiseWorstVariance(eps), 10);
    }
  });

  for (const eps of EPS) {
    it(`outputs only midpoints of the 2^20 grid cells of [-C, C] at eps = ${eps}`, () => {
      const rng = seededRandom(2);
      const c = piecewiseBound(eps);
      const step = (2 * c) / GRID_CELLS;
      for (let i = 0; i < 20_000; i++) {
        const x = perturbScalar(((i % 21) - 10) / 10, eps, 'piecewise', rng);
        expect(x > -c && x < c).toBe(true);
        expect(piecewiseCellValue(eps, Math.round((x + c) / step - 0.5))).toBe(x);
      }
    });

    it(`is unbiased with the variance formula within 10% at eps = ${eps}`, () => {
      const rng = seededRandom(400 + eps);
      for (const t of TS)
        expectMeanAndVariance(
          draws(N, () => perturbScalar(t, eps, 'piecewise', rng)),
          t,
          piecewiseVariance(t, eps),
        );
    });

    it(`gives every grid cell the mass PRIVACY.md's density puts on it at eps = ${eps}`, () => {
      for (const t of [-1, 0.3, 1]) {
        const ours = piecewiseGridPmf(t, eps);
        const def = pmfFromDefinition(t, eps);
        let worst = 0;
        for (let i = 0; i < GRID_CELLS; i++)
          worst = Math.max(worst, Math.abs((ours[i] as number) / (def[i] as number) - 1));
        expect(worst).toBeLessThan(1e-9);
      }
    });

    it(`keeps the grid's largest probability ratio for t = -1 vs t = 1 within 1e-6 of e^eps, never above, at eps = ${eps}`, () => {
      const pa = piecewiseGridPmf(-1, eps);
      const pb = piecewiseGridPmf(1, eps);
      let max = 0;
      for (let i = 0; i < GRID_CELLS; i++)
        max = Math.max(max, (pa[i] as number) / (pb[i] as number), (pb[i] as number) / (pa[i] as number));
      expect(Math.abs(max / Math.exp(eps) - 1)).toBeLessThan(1e-6);
      expect(max).toBeLessThanOrEqual(Math.exp(eps) * (1 + 1e-12));
    });

    it(`draws cells with the grid pmf's probabilities (256 groups of cells, chi-square) at eps = ${eps}`, () => {
      const t = 0.123456789;
      const pmf = piecewiseGridPmf(t, eps);
      const groups = 256;
      const per = GRID_CELLS / groups;
      const probs = new Float64Array(groups);
      for (let i = 0; i < GRID_CELLS; i++) bump(probs, Math.floor(i / per), pmf[i] as number);
      const rng = seededRandom(500 + eps);
      const c = piecewiseBound(eps);
      const counts = new Float64Array(groups);
      for (let i = 0; i < N; i++) {
        const x = perturbScalar(t, eps, 'piecewise', rng);
        bump(counts, Math.floor(Math.round(((x + c) * GRID_CELLS) / (2 * c) - 0.5) / per));
      }
      expect(chiSquareTest(counts, probs).p).toBeGreaterThan(1e-4);
    });
  }

  it('picks the edge cells of an interval in proportion to their overlap', () => {
    // [0.25, 2.5) overlaps cell 0 by 0.75, cell 1 by 1, cell 2 by 0.5.
    const rng = seededRandom(6);
    const counts = new Float64Array(3);
    for (let i = 0; i < 90_000; i++) bump(counts, snappedCell(0.25, 2.5, rng));
    expect(chiSquareTest(counts, [0.75 / 2.25, 1 / 2.25, 0.5 / 2.25]).p).toBeGreaterThan(1e-4);
  });
});

describe('Piecewise Mechanism: privacy audit (StatDP-style)', () => {
  scalarAuditSpecs('piecewise', EPS, 41);
});
