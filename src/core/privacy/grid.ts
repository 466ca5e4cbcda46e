/**
 * Continuous outputs on a fixed grid (Mironov, "On Significance of the Least Significant Bits for
 * Differential Privacy", CCS 2012). A mechanism whose output is a float computed from a float
 * sample leaks through the pattern of representable values it can and cannot reach. Here every
 * continuous output range [lo, hi] is cut into GRID_CELLS equal cells (step 2^-20 of the range);
 * a draw picks a cell with integer draws and returns the cell's midpoint, so the output set is the
 * same finite set for every input and each cell's probability is the exact integral of the
 * mechanism's density over it (up to the 2^-53 resolution of one Bernoulli at the two edge cells).
 */
import type { Rng } from './random.js';

/** log2 of the cells per output range. */
const GRID_BITS = 20;
/** Cells per output range: 2^20. */
export const GRID_CELLS = 2 ** GRID_BITS;

/**
 * A cell index with probability proportional to its overlap with [lo, hi), both given in cell
 * units (0 <= lo < hi <= GRID_CELLS): the cell a uniform real on [lo, hi) would fall into.
 * Draw a cell that touches the interval uniformly, accept it with its overlap (1 inside, a
 * fraction at the two ends); a round accepts with probability (hi - lo) / span, at least 1/3
 * whenever the interval spans a cell or more (PM's spans GRID_CELLS / (e^(eps/2) + 1) cells).
 */
export function snappedCell(lo: number, hi: number, rng: Rng): number {
  const first = Math.floor(lo);
  const span = Math.ceil(hi) - first;
  for (;;) {
    const i = first + rng.int(span);
    const w = Math.min(i + 1, hi) - Math.max(i, lo);
    if (w >= 1 || rng.real() < w) return i;
  }
}

/** Adds weight x (the pmf of snappedCell(lo, hi)) into pmf, cell by cell. */
export function addSnappedPmf(pmf: Float64Array, lo: number, hi: number, weight: number): void {
  const first = Math.floor(lo);
  const last = Math.ceil(hi) - 1;
  for (let i = first; i <= last; i++)
    pmf[i] = (pmf[i] as number) + (weight * (Math.min(i + 1, hi) - Math.max(i, lo))) / (hi - lo);
}

/** The output value of cell i of the range [lo, lo + GRID_CELLS * step): its midpoint. */
export function cellValue(lo: number, step: number, i: number): number {
  return lo + (i + 0.5) * step;
}
