/**
 * The auditors' estimators (edseg/privacy): estimateFrequencies and estimateMean are unbiased on
 * simulated populations and their 95% intervals cover the truth 93-97% of the time (1,000 trials).
 * Truth here is the population's share or mean: each trial draws fresh learners, then noise.
 */
import { describe, expect, it } from 'vitest';
import { grrPerturb } from '../../src/core/privacy/grr.js';
import { ouePerturb } from '../../src/core/privacy/oue.js';
import {
  estimateFrequencies,
  estimateMean,
  perturbScalar,
  perturbSegment,
  seededRandom,
  type SegmentResponse,
} from '../../src/privacy.js';
import { drawSegment, expectUnbiasedWithCoverage, Tally } from './fixtures.js';

const TRIALS = 1000;

/** Records every share estimateFrequencies gives against the truth f. */
function addFrequencies(
  tally: Tally,
  est: ReturnType<typeof estimateFrequencies>,
  f: readonly number[],
): void {
  f.forEach((truth, v) =>
    tally.add(`v${v}`, truth, {
      value: est.freq[v] as number,
      lo: est.lo[v] as number,
      hi: est.hi[v] as number,
    }),
  );
}

describe('estimateFrequencies', () => {
  const cases: [string, number, number, number[]][] = [
    ['GRR', 4, 1, [0.4, 0.3, 0.2, 0.1]],
    ['OUE', 12, 1, [0.3, 0.2, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0, 0, 0]],
  ];
  for (const [oracle, k, eps, f] of cases) {
    it(`is unbiased with 93-97% coverage for ${oracle} responses (k = ${k}, eps = ${eps}, 1,500 per trial)`, () => {
      const rng = seededRandom(k);
      expect(perturbSegment(0, k, eps, rng).oracle).toBe(oracle.toLowerCase());
      const tally = new Tally();
      for (let t = 0; t < TRIALS; t++) {
        const responses = Array.from({ length: 1500 }, () =>
          perturbSegment(drawSegment(f, rng), k, eps, rng),
        );
        addFrequencies(tally, estimateFrequencies(responses, k, eps), f);
      }
      expectUnbiasedWithCoverage(tally);
    });
  }

  it('combines GRR and OUE responses at one eps into one unbiased estimate with 93-97% coverage', () => {
    const rng = seededRandom(77);
    const [k, eps] = [8, 1];
    const f = [0.5, 0.2, 0.2, 0.1, 0, 0, 0, 0];
    const tally = new Tally();
    for (let t = 0; t < TRIALS; t++) {
      const responses: SegmentResponse[] = Array.from({ length: 1500 }, (_, i) => {
        const v = drawSegment(f, rng);
        return i % 3
          ? { oracle: 'grr', value: grrPerturb(v, k, eps, rng) }
          : { oracle: 'oue', bits: ouePerturb(v, k, eps, rng) };
      });
      addFrequencies(tally, estimateFrequencies(responses, k, eps), f);
    }
    expectUnbiasedWithCoverage(tally);
  });
});

describe('estimateMean', () => {
  // Learners' values t = 2 u^2 - 1, u uniform: skewed, with mean 2/3 - 1 = -1/3.
  const truth = -1 / 3;
  for (const mechanism of ['duchi', 'piecewise', 'hybrid'] as const) {
    for (const eps of [1, 4]) {
      it(`is unbiased with 93-97% coverage for ${mechanism} at eps = ${eps} (1,000 values per trial)`, () => {
        const rng = seededRandom(eps * 10 + mechanism.length);
        const tally = new Tally();
        for (let t = 0; t < TRIALS; t++) {
          const values = Array.from({ length: 1000 }, () => {
            const u = rng.real();
            return perturbScalar(2 * u * u - 1, eps, mechanism, rng);
          });
          const e = estimateMean(values, eps, mechanism);
          tally.add('mean', truth, { value: e.mean, lo: e.lo, hi: e.hi });
        }
        expectUnbiasedWithCoverage(tally);
      });
    }
  }

  it('gives one value an interval from the worst-case variance', () => {
    const e = estimateMean([0.5], 1, 'hybrid');
    expect(e.mean).toBe(0.5);
    expect(e.se).toBeGreaterThan(2);
  });
});
