/**
 * The segment channel's frequency oracle, chosen by variance (Wang et al., USENIX Security 2017,
 * Sec. 4.4): GRR's Var* (k - 2 + e^eps) / (e^eps - 1)^2 is below OUE's 4 e^eps / (e^eps - 1)^2
 * exactly when k < 3 e^eps + 2.
 */
import { grrPerturb } from './grr.js';
import { ouePerturb } from './oue.js';
import { cryptoRng, type Rng } from './random.js';
import { checkEpsilon, checkInt } from './validate.js';
import type { SegmentResponse } from '../schema.js';

export type { SegmentResponse };

/** The oracle with the lower variance for k values at eps: GRR when k < 3 e^eps + 2, else OUE. */
export function chooseOracle(k: number, eps: number): 'grr' | 'oue' {
  return k < 3 * Math.exp(eps) + 2 ? 'grr' : 'oue';
}

/** Perturbs segment index in [0, k) at eps with the oracle chooseOracle picks. */
export function perturbSegment(index: number, k: number, eps: number, rng: Rng = cryptoRng): SegmentResponse {
  checkEpsilon(eps);
  checkInt(k, 2, 2 ** 32, 'k');
  checkInt(index, 0, k - 1, 'index');
  return chooseOracle(k, eps) === 'grr'
    ? { oracle: 'grr', value: grrPerturb(index, k, eps, rng) }
    : { oracle: 'oue', bits: ouePerturb(index, k, eps, rng) };
}
