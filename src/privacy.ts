/**
 * `edseg/privacy`: the mechanisms and estimators exactly as the SDK runs them, for auditors who
 * want to test them outside the SDK (PRIVACY.md "Exports for auditors"; a contract, like the
 * public API). `rng` is optional everywhere and defaults to the crypto generator; `seededRandom`
 * gives a deterministic one with the same interface.
 */
export type { Rng } from './core/privacy/random.js';
export type { SegmentResponse } from './core/privacy/segment.js';
export { cryptoRng, seededRandom } from './core/privacy/random.js';
export { perturbSegment, chooseOracle } from './core/privacy/segment.js';
export { perturbVector, sampledDimensions, vectorVariance } from './core/privacy/vector.js';
export { perturbScalar } from './core/privacy/scalar.js';
export { estimateFrequencies, estimateMean, estimateSite } from './core/privacy/estimate.js';
/** The one way a device builds a report: auditors can rebuild and compare reports with the SDK's own code. */
export { buildReport, type ModelAssignment } from './core/privacy/report.js';
export { grrProbabilities, grrVariance } from './core/privacy/grr.js';
export { oueProbabilities, oueVariance } from './core/privacy/oue.js';
export { duchiBound, duchiVariance } from './core/privacy/duchi.js';
export {
  piecewiseBound,
  piecewiseGridPmf,
  piecewiseCellValue,
  piecewiseVariance,
  piecewiseWorstVariance,
} from './core/privacy/piecewise.js';
export {
  hybridPmWeight,
  hybridVariance,
  hybridWorstVariance,
  HYBRID_EPS_STAR,
} from './core/privacy/hybrid.js';
export { GRID_CELLS } from './core/privacy/grid.js';
