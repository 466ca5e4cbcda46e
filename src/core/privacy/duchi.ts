/**
 * Duchi et al.'s one-dimensional mechanism (Duchi, Jordan, Wainwright, "Minimax Optimal Procedures
 * for Locally Private Estimation", JASA 2018, Sec. 4.2.3; as stated in Wang et al., ICDE 2019, Alg. 1).
 *
 * For t in [-1, 1] output +B or -B, B = (e^eps + 1) / (e^eps - 1), with
 * P(+B) = 1/2 + t (e^eps - 1) / (2 e^eps + 2). Unbiased; Var = B^2 - t^2.
 * Two outputs only, so there is no floating-point hole to worry about (Mironov 2012).
 */
import type { Rng } from './random.js';

/** Duchi's output magnitude B = (e^eps + 1) / (e^eps - 1). */
export function duchiBound(eps: number): number {
  const em1 = Math.expm1(eps);
  return (em1 + 2) / em1;
}

/** Perturbs t in [-1, 1] with Duchi et al.'s mechanism; inputs are assumed checked by the caller. */
export function duchi(t: number, eps: number, rng: Rng): number {
  const b = duchiBound(eps);
  // P(+B) = 1/2 + t / (2B), written with e^eps - 1 as stated above so seeded draws stay bit for bit as they were.
  const em1 = Math.expm1(eps);
  return rng.bernoulli(0.5 + (t * em1) / (2 * em1 + 4)) ? b : -b;
}

/** Var of Duchi's output at input t: B^2 - t^2 (Wang et al., ICDE 2019, Eq. 3). */
export function duchiVariance(t: number, eps: number): number {
  return duchiBound(eps) ** 2 - t * t;
}
