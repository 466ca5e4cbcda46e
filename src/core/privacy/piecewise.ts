/**
 * The Piecewise Mechanism, PM (Wang et al., "Collecting and Analyzing Multidimensional Data with
 * Local Differential Privacy", ICDE 2019, Sec. III-B, Alg. 2).
 *
 * With a = e^(eps/2), C = (a + 1) / (a - 1), l(t) = (C + 1) t / 2 - (C - 1) / 2, r(t) = l(t) + C - 1:
 * with probability a / (a + 1) output uniform on [l, r], else uniform on [-C, l) U (r, C].
 * The density is a/(a+1)/(C-1) on [l, r] and 1/(a+1)/(C+1) elsewhere; their ratio is a^2 = e^eps.
 *
 * Sampling: the same density is the mixture "with probability 1/a uniform on [-C, C], else uniform
 * on [l, r]" (1/a * 1/(2C) = the low density; check: (1 - 1/a)/(C - 1) + 1/(2aC) = a/((a+1)(C-1))).
 * It needs no case split on t, and it runs on the fixed grid of grid.ts (Mironov 2012).
 */
import { addSnappedPmf, cellValue, GRID_CELLS, snappedCell } from './grid.js';
import type { Rng } from './random.js';

/** PM's constants for eps: a = e^(eps/2), am1 = a - 1, C, and the grid step of [-C, C]. */
function constants(eps: number) {
  const am1 = Math.expm1(eps / 2);
  const c = (am1 + 2) / am1;
  return { am1, a: am1 + 1, c, step: (2 * c) / GRID_CELLS };
}

/** PM's constants for eps and t, with [l, r] in cell units. */
function params(t: number, eps: number) {
  const { a, c, step } = constants(eps);
  const l = ((c + 1) * t) / 2 - (c - 1) / 2;
  const r = l + c - 1;
  return { a, c, step, lo: Math.max(0, (l + c) / step), hi: Math.min(GRID_CELLS, (r + c) / step) };
}

/** PM's output bound C = (e^(eps/2) + 1) / (e^(eps/2) - 1): outputs lie in [-C, C]. */
export function piecewiseBound(eps: number): number {
  return constants(eps).c;
}

/** Perturbs t in [-1, 1] with PM on the 2^-20 grid of [-C, C]; inputs are assumed checked. */
export function piecewise(t: number, eps: number, rng: Rng): number {
  const { a, c, step, lo, hi } = params(t, eps);
  const cell = rng.bernoulli(1 / a) ? rng.int(GRID_CELLS) : snappedCell(lo, hi, rng);
  return cellValue(-c, step, cell);
}

/** The exact pmf of piecewise(t, eps) over its GRID_CELLS output cells (for audits and tests). */
export function piecewiseGridPmf(t: number, eps: number): Float64Array {
  const { a, lo, hi } = params(t, eps);
  const pmf = new Float64Array(GRID_CELLS).fill(1 / a / GRID_CELLS);
  addSnappedPmf(pmf, lo, hi, 1 - 1 / a);
  return pmf;
}

/** The output value of PM's grid cell i at eps (cell midpoints of [-C, C]). */
export function piecewiseCellValue(eps: number, i: number): number {
  const { c, step } = constants(eps);
  return cellValue(-c, step, i);
}

/** Var of PM's output at t: t^2 / (a - 1) + (a + 3) / (3 (a - 1)^2), a = e^(eps/2) (Wang et al. 2019, Lemma 1). */
export function piecewiseVariance(t: number, eps: number): number {
  const { am1 } = constants(eps);
  return (t * t) / am1 + (am1 + 4) / (3 * am1 * am1);
}

/** PM's worst-case variance: at t = +-1, 4 e^(eps/2) / (3 (e^(eps/2) - 1)^2) (Wang et al. 2019, Lemma 1). */
export function piecewiseWorstVariance(eps: number): number {
  return piecewiseVariance(1, eps);
}
