/**
 * The Hybrid Mechanism, HM (Wang et al., ICDE 2019, Sec. III-C): for eps > eps* = 0.61, PM with
 * probability alpha = 1 - e^(-eps/2), else Duchi's mechanism; for eps <= 0.61, Duchi's alone.
 * Both parts are unbiased and eps-LDP and the mixing weight does not depend on t, so HM is too.
 * With this alpha the t^2 terms cancel (alpha / (a - 1) = 1 - alpha = 1/a): HM's variance is flat
 * in t, 4.29 / 1.04 / 0.22 at eps = 1 / 2 / 4 (PRIVACY.md).
 */
import { duchi, duchiBound, duchiVariance } from './duchi.js';
import { piecewise, piecewiseBound, piecewiseVariance } from './piecewise.js';
import type { Rng } from './random.js';

/** The eps at and below which HM is Duchi's mechanism alone (Wang et al. 2019: eps* ~ 0.61). */
export const HYBRID_EPS_STAR = 0.61;

/** HM's probability of using PM: 1 - e^(-eps/2) above eps*, else 0. */
export function hybridPmWeight(eps: number): number {
  return eps > HYBRID_EPS_STAR ? -Math.expm1(-eps / 2) : 0;
}

/** Perturbs t in [-1, 1] with HM; inputs are assumed checked by the caller. */
export function hybrid(t: number, eps: number, rng: Rng): number {
  const alpha = hybridPmWeight(eps);
  return alpha > 0 && rng.bernoulli(alpha) ? piecewise(t, eps, rng) : duchi(t, eps, rng);
}

/** HM's output bound at eps: the larger of Duchi's B and PM's C (outputs lie in [-bound, bound]). */
export function hybridBound(eps: number): number {
  return Math.max(duchiBound(eps), piecewiseBound(eps));
}

/** Var of HM's output at t: alpha Var_PM(t) + (1 - alpha) Var_Duchi(t) (both parts are unbiased). */
export function hybridVariance(t: number, eps: number): number {
  const alpha = hybridPmWeight(eps);
  return alpha * piecewiseVariance(t, eps) + (1 - alpha) * duchiVariance(t, eps);
}

/** HM's worst-case variance over t in [-1, 1] (quadratic in t, so at t = 0 or t = 1). */
export function hybridWorstVariance(eps: number): number {
  return Math.max(hybridVariance(0, eps), hybridVariance(1, eps));
}
