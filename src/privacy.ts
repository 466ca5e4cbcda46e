/**
 * `edseg/privacy`: the mechanisms and estimators exactly as the SDK runs them, for auditors who
 * want to test them outside the SDK (PRIVACY.md "Exports for auditors"; a contract, like the
 * public API). `rng` is optional everywhere and defaults to the crypto generator; `seededRandom`
 * gives a deterministic one with the same interface.
 */
import { duchi } from './core/privacy/duchi.js';
import { hybrid } from './core/privacy/hybrid.js';
import { piecewise } from './core/privacy/piecewise.js';
import { cryptoRng, type Rng } from './core/privacy/random.js';
import { checkEpsilon, checkUnit } from './core/privacy/validate.js';
import { EdsegError } from './core/errors.js';

export type { Rng } from './core/privacy/random.js';
export type { SegmentResponse } from './core/privacy/segment.js';
export { cryptoRng, seededRandom } from './core/privacy/random.js';
export { perturbSegment, chooseOracle } from './core/privacy/segment.js';
export { perturbVector, sampledDimensions, vectorVariance } from './core/privacy/vector.js';
export { estimateFrequencies, estimateMean, estimateSite } from './core/privacy/estimate.js';
/** The one way a device builds a report: auditors can rebuild and compare reports with the SDK's own code. */
export { buildReport, type ModelAssignment } from './core/privacy/report.js';
export { grrProbabilities, grrVariance } from './core/privacy/grr.js';
export { oueProbabilities, oueVariance } from './core/privacy/oue.js';
export { duchiBound, duchiVariance } from './core/privacy/duchi.js';
export { piecewiseBound, piecewiseGridPmf, piecewiseCellValue, piecewiseVariance, piecewiseWorstVariance } from './core/privacy/piecewise.js';
export { hybridPmWeight, hybridVariance, hybridWorstVariance, HYBRID_EPS_STAR } from './core/privacy/hybrid.js';
export { GRID_CELLS } from './core/privacy/grid.js';

const SCALAR = { duchi, piecewise, hybrid } as const;

/** Perturbs t in [-1, 1] at eps with Duchi et al.'s mechanism, the Piecewise Mechanism or the Hybrid Mechanism. */
export function perturbScalar(t: number, eps: number, mechanism: 'duchi' | 'piecewise' | 'hybrid', rng: Rng = cryptoRng): number {
  checkEpsilon(eps);
  checkUnit(t);
  if (!Object.hasOwn(SCALAR, mechanism)) throw new EdsegError('invalid-input', `edseg: mechanism must be duchi, piecewise or hybrid, got ${String(mechanism)}`, 'mechanism');
  return SCALAR[mechanism](t, eps, rng);
}
