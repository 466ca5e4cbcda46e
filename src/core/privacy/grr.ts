/**
 * Generalised (k-ary) randomized response, GRR (Wang et al., "Locally Differentially Private
 * Protocols for Frequency Estimation", USENIX Security 2017, Sec. 4.1, "direct encoding").
 *
 * Keep the true value with p = e^eps / (e^eps + k - 1), else report one of the other k - 1
 * uniformly, each with q = 1 / (e^eps + k - 1); p / q = e^eps, so any two inputs are eps-close.
 */
import type { Rng } from './random.js';

/** GRR's keep probability p and per-other-value probability q (Wang et al. 2017, Sec. 4.1). */
export function grrProbabilities(k: number, eps: number): { p: number; q: number } {
  const e = Math.exp(eps);
  return { p: e / (e + k - 1), q: 1 / (e + k - 1) };
}

/** Perturbs v in [0, k) with GRR; inputs are assumed checked by the caller (segment.ts). */
export function grrPerturb(v: number, k: number, eps: number, rng: Rng): number {
  if (rng.bernoulli(grrProbabilities(k, eps).p)) return v;
  const other = rng.int(k - 1);
  return other < v ? other : other + 1;
}

/**
 * Variance of the debiased share (c_v / n - q) / (p - q) from n independent reports of a "pure"
 * protocol (Wang et al. 2017, Sec. 3; GRR and OUE are two), for a value whose true share is f:
 * pi (1 - pi) / (n (p - q)^2), the binomial variance of c_v with pi = f p + (1 - f) q, the chance
 * a report from a learner drawn from the population supports v.
 */
export function debiasedShareVariance(p: number, q: number, n: number, f: number): number {
  const pi = f * p + (1 - f) * q;
  return (pi * (1 - pi)) / (n * (p - q) ** 2);
}

/**
 * Variance of GRR's debiased share from n reports for a value with true share f (see
 * debiasedShareVariance); f = 0 gives Wang et al.'s Var* = (k - 2 + e^eps) / (n (e^eps - 1)^2) (Eq. 2).
 */
export function grrVariance(k: number, eps: number, n = 1, f = 0): number {
  const { p, q } = grrProbabilities(k, eps);
  return debiasedShareVariance(p, q, n, f);
}
