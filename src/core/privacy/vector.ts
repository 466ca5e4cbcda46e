/**
 * A vector of d features in [-1, 1] under budget eps (Wang et al., ICDE 2019, Sec. IV, Alg. 4):
 * sample m = max(1, min(d, floor(eps / 2.5))) dimensions uniformly without replacement, perturb
 * each with HM at eps / m, scale by d / m; the others are 0 (never the raw value). Each sampled
 * coordinate is unbiased after scaling: E = (m / d) (d / m) x_j = x_j. Composition over the m
 * sampled dimensions gives eps in total; which dimensions were sampled does not depend on x.
 */
import { hybrid, hybridBound, hybridVariance } from './hybrid.js';
import { cryptoRng, type Rng } from './random.js';
import { checkEpsilon, checkUnit } from './validate.js';
import { EdsegError } from '../errors.js';

/** How many of d dimensions a report samples at eps: max(1, min(d, floor(eps / 2.5))). */
export function sampledDimensions(d: number, eps: number): number {
  return Math.max(1, Math.min(d, Math.floor(eps / 2.5)));
}

/** The bound of each sent value of a d-vector at eps: HM's bound at eps / m, scaled by d / m. */
export function vectorBound(d: number, eps: number): number {
  const m = sampledDimensions(d, eps);
  return (hybridBound(eps / m) * d) / m;
}

/** Perturbs x (each entry in [-1, 1]) at total budget eps: the sampled dims (ascending) and their scaled values. */
export function perturbVector(
  x: readonly number[],
  eps: number,
  rng: Rng = cryptoRng,
): { dims: number[]; values: number[] } {
  checkEpsilon(eps);
  const d = x.length;
  if (d === 0) throw new EdsegError('invalid-input', 'edseg: the feature vector must not be empty', 'x');
  for (let i = 0; i < d; i++) checkUnit(x[i] as number, `x.${i}`);
  const m = sampledDimensions(d, eps);
  const order = Array.from({ length: d }, (_, i) => i);
  for (let i = 0; i < m; i++) {
    const j = i + rng.int(d - i);
    const tmp = order[i] as number;
    order[i] = order[j] as number;
    order[j] = tmp;
  }
  const dims = order.slice(0, m).sort((a, b) => a - b);
  return { dims, values: dims.map((j) => (hybrid(x[j] as number, eps / m, rng) * d) / m) };
}

/**
 * Var of one coordinate of the vector (0 when unsampled) at true value t:
 * (d / m) (Var_HM(t, eps / m) + t^2) - t^2, from E[z^2] = (m / d) (d / m)^2 E[y^2].
 */
export function vectorVariance(t: number, d: number, eps: number): number {
  const m = sampledDimensions(d, eps);
  return (d / m) * (hybridVariance(t, eps / m) + t * t) - t * t;
}
