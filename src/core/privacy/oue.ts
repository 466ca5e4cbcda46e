/**
 * Optimised unary encoding, OUE (Wang et al., USENIX Security 2017, Sec. 4.3).
 *
 * The value becomes a one-hot vector of k bits; the 1 stays 1 with p = 1/2, each 0 becomes 1 with
 * q = 1 / (e^eps + 1). Two inputs differ in two bits, so the worst ratio is
 * (p (1 - q)) / (q (1 - p)) = e^eps.
 */
import { debiasedShareVariance } from './grr.js';
import type { Rng } from './random.js';

/** OUE's p = 1/2 and q = 1 / (e^eps + 1) (Wang et al. 2017, Sec. 4.3). */
export function oueProbabilities(eps: number): { p: number; q: number } {
  return { p: 0.5, q: 1 / (Math.exp(eps) + 1) };
}

/** Perturbs v in [0, k) with OUE; inputs are assumed checked by the caller (segment.ts). */
export function ouePerturb(v: number, k: number, eps: number, rng: Rng): (0 | 1)[] {
  const { q } = oueProbabilities(eps);
  const bits: (0 | 1)[] = new Array(k);
  for (let i = 0; i < k; i++) bits[i] = rng.bernoulli(i === v ? 0.5 : q) ? 1 : 0;
  return bits;
}

/**
 * Variance of one bit's debiased share from n reports for a value with true share f (see
 * debiasedShareVariance); f = 0 gives Wang et al.'s Var* = 4 e^eps / (n (e^eps - 1)^2) (Eq. 6).
 */
export function oueVariance(eps: number, n = 1, f = 0): number {
  const { p, q } = oueProbabilities(eps);
  return debiasedShareVariance(p, q, n, f);
}
