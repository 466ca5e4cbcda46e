/**
 * The scalar mechanisms by name (PRIVACY.md "Exports for auditors"): the one table that both the
 * perturbation (perturbScalar) and the estimator's worst-case variance (estimateMean) read, so a
 * mechanism cannot be added to one and forgotten in the other. Names are the report schema's
 * FeatureField.mechanism.
 */
import type { FeatureField } from '../schema.js';
import { duchi, duchiVariance } from './duchi.js';
import { hybrid, hybridWorstVariance } from './hybrid.js';
import { piecewise, piecewiseWorstVariance } from './piecewise.js';
import { cryptoRng, type Rng } from './random.js';
import { checkEpsilon, checkMechanism, checkUnit } from './validate.js';

/** A scalar mechanism's name, as a report's feature field carries it. */
export type ScalarMechanism = FeatureField['mechanism'];

/** Each mechanism's perturbation of t in [-1, 1] (inputs checked by the caller) and its worst-case variance over t. */
export const SCALAR_MECHANISMS: Readonly<
  Record<
    ScalarMechanism,
    { perturb: (t: number, eps: number, rng: Rng) => number; worstVariance: (eps: number) => number }
  >
> = {
  // Duchi's variance B^2 - t^2 is largest at t = 0.
  duchi: { perturb: duchi, worstVariance: (eps) => duchiVariance(0, eps) },
  piecewise: { perturb: piecewise, worstVariance: piecewiseWorstVariance },
  hybrid: { perturb: hybrid, worstVariance: hybridWorstVariance },
};

/** Perturbs t in [-1, 1] at eps with Duchi et al.'s mechanism, the Piecewise Mechanism or the Hybrid Mechanism. */
export function perturbScalar(
  t: number,
  eps: number,
  mechanism: ScalarMechanism,
  rng: Rng = cryptoRng,
): number {
  checkEpsilon(eps);
  checkUnit(t);
  checkMechanism(mechanism, SCALAR_MECHANISMS);
  return SCALAR_MECHANISMS[mechanism].perturb(t, eps, rng);
}
