/**
 * estimateSite's per-segment feature means where reports mix: clear and GRR reporters drawn from
 * different populations (the estimate is the pooled segment mean), and OUE-reported segments.
 * Unbiased, with 95% intervals covering the truth 93-97% of the time.
 * A learner in segment v has features mu[v][j] + U(-0.3, 0.3), so the truth is mu[v][j].
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/core/privacy/random.js';
import { addMeans, expectUnbiasedWithCoverage, simulate, Tally, unsuppressed } from './fixtures.js';
import { makeManifest } from '../fixtures/manifest.js';

const TRIALS = 1000;

describe('estimateSite: per-segment feature means from mixed reports', () => {
  const mu = [
    [0.5, -0.2],
    [-0.4, 0.6],
    [0.1, 0],
  ];
  const f = [0.5, 0.3, 0.2];

  it('pool clear and GRR reporters from different populations, unbiased with 93-97% coverage', () => {
    const manifest = makeManifest({
      ks: [3],
      d: 2,
      reporting: { epsilonSegment: 2, epsilonFeatures: 4, kThreshold: 1 },
    });
    const [nClear, fClear, muClear] = [
      400,
      [0.2, 0.3, 0.5],
      [
        [0.7, 0],
        [-0.2, 0.2],
        [0.3, -0.5],
      ],
    ] as const;
    const [nLdp, fLdp] = [1200, f] as const;
    // The pooled segment mean: E[sum 1[v] x] / E[sum 1[v]] over both groups.
    const truth = mu.map((row, v) =>
      row.map((m, j) => {
        const wc = nClear * (fClear[v] as number);
        const wl = nLdp * (fLdp[v] as number);
        return (wc * (muClear[v]?.[j] as number) + wl * m) / (wc + wl);
      }),
    );
    const rng = seededRandom(23);
    const tally = new Tally();
    for (let t = 0; t < TRIALS; t++) {
      const reports = [
        ...simulate({ manifest, n: nClear, f: fClear, mu: muClear, channel: 'clear', rng }),
        ...simulate({ manifest, n: nLdp, f: fLdp, mu, channel: 'ldp', rng }),
      ];
      addMeans(tally, unsuppressed(manifest, reports), truth, [0, 1, 2]);
    }
    expectUnbiasedWithCoverage(tally);
  });

  it('are unbiased with 93-97% coverage from OUE reports (k = 11, eps_s = 1) for well-populated segments', () => {
    const manifest = makeManifest({
      ks: [11],
      d: 2,
      reporting: { epsilonSegment: 1, epsilonFeatures: 4, kThreshold: 1 },
    });
    const f11 = [0.5, 0.3, 0.2, 0, 0, 0, 0, 0, 0, 0, 0];
    const mu11 = [...mu, ...Array.from({ length: 8 }, () => [0, 0])];
    const rng = seededRandom(24);
    const tally = new Tally();
    for (let t = 0; t < 300; t++) {
      const reports = simulate({ manifest, n: 4000, f: f11, mu: mu11, channel: 'ldp', rng });
      expect(reports[0]?.segments[0]).toMatchObject({ oracle: 'oue' });
      addMeans(tally, unsuppressed(manifest, reports), mu11, [0, 1, 2]);
    }
    expectUnbiasedWithCoverage(tally);
  });
});
