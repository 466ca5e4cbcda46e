/**
 * estimateSite's segment shares: unbiased on simulated populations, 95% intervals covering the
 * truth 93-97% of the time over 1,000 trials, for GRR, OUE, clear and ldp mixed (from different
 * populations: consenting learners need not look like the others) and mixed oracles; plus the
 * bookkeeping: which reports count, n by channel, and k-threshold suppression.
 */
import { describe, expect, it } from 'vitest';
import { estimateSite } from '../../src/core/privacy/estimate.js';
import { seededRandom } from '../../src/core/privacy/random.js';
import { SiteEstimates } from '../../src/core/schema.js';
import { expectUnbiasedWithCoverage, simulate, Tally, unsuppressed } from './fixtures.js';
import { makeManifest } from '../fixtures/manifest.js';

const TRIALS = 1000;

/** Records every segment share of model m0 against the truth. */
function addShares(tally: Tally, est: SiteEstimates, truth: readonly number[]): void {
  truth.forEach((f, v) => tally.add(`v${v}`, f, est.models[0]?.segments[v]?.share));
}

describe('estimateSite: segment shares', () => {
  // [oracle, shares (k = their count), seed, reports per trial], all at eps = 1.
  const oracles: ['grr' | 'oue', number[], number, number][] = [
    ['grr', [0.4, 0.3, 0.2, 0.1], 1, 2000],
    ['oue', [0.25, 0.2, 0.15, 0.1, 0.1, 0.05, 0.05, 0.04, 0.03, 0.02, 0.01, 0], 2, 1500],
  ];
  for (const [oracle, f, seed, n] of oracles) {
    it(`are unbiased with 93-97% coverage from ${oracle.toUpperCase()} reports (k = ${f.length}, eps = 1, ${n.toLocaleString('en-US')} per trial)`, () => {
      const manifest = makeManifest({
        ks: [f.length],
        d: 1,
        reporting: { epsilonSegment: 1, kThreshold: 1 },
      });
      const rng = seededRandom(seed);
      const tally = new Tally();
      for (let t = 0; t < TRIALS; t++) {
        const reports = simulate({ manifest, n, f, channel: 'ldp', rng });
        expect(reports[0]?.segments[0]).toMatchObject({ oracle });
        addShares(tally, unsuppressed(manifest, reports), f);
      }
      expectUnbiasedWithCoverage(tally);
    });
  }

  it('estimate the share among all reporters, unbiased with 93-97% coverage, when clear and ldp reporters differ', () => {
    const manifest = makeManifest({ ks: [4], d: 1, reporting: { epsilonSegment: 1, kThreshold: 1 } });
    // 500 consenting (clear) learners mostly in segment 0; 1,500 others mostly in segments 2 and 3.
    const fClear = [0.7, 0.2, 0.1, 0];
    const fLdp = [0.1, 0.2, 0.3, 0.4];
    const pooled = fClear.map((f, v) => (500 * f + 1500 * (fLdp[v] as number)) / 2000);
    const rng = seededRandom(3);
    const tally = new Tally();
    for (let t = 0; t < TRIALS; t++) {
      const reports = [
        ...simulate({ manifest, n: 500, f: fClear, channel: 'clear', rng }),
        ...simulate({ manifest, n: 1500, f: fLdp, channel: 'ldp', rng }),
      ];
      addShares(tally, unsuppressed(manifest, reports), pooled);
    }
    expectUnbiasedWithCoverage(tally);
  });

  it('combine GRR and OUE reports at different eps, unbiased with 93-97% coverage', () => {
    // k = 8 is OUE at eps = 0.5 and GRR at eps = 1.5.
    const manifest = makeManifest({ ks: [8], d: 1, reporting: { kThreshold: 1 } });
    const f = [0.3, 0.2, 0.15, 0.15, 0.1, 0.05, 0.05, 0];
    const rng = seededRandom(4);
    const tally = new Tally();
    for (let t = 0; t < TRIALS; t++) {
      const reports = [
        ...simulate({ manifest, n: 800, f, channel: 'ldp', rng, reporting: { epsilonSegment: 0.5 } }),
        ...simulate({ manifest, n: 800, f, channel: 'ldp', rng, reporting: { epsilonSegment: 1.5 } }),
      ];
      expect(
        new Set(reports.map((r) => (r.segments[0]?.channel === 'ldp' ? r.segments[0].oracle : ''))),
      ).toEqual(new Set(['grr', 'oue']));
      addShares(tally, unsuppressed(manifest, reports), f);
    }
    expectUnbiasedWithCoverage(tally);
  });

  it('are exact counts for clear reports, with support the number of reports in the segment', () => {
    const manifest = makeManifest({ ks: [3], d: 1, reporting: { kThreshold: 10 } });
    const reports = simulate({
      manifest,
      n: 400,
      f: [0.5, 0.3, 0.2],
      channel: 'clear',
      rng: seededRandom(5),
    });
    const counts = [0, 1, 2].map(
      (v) =>
        reports.filter((r) => r.segments[0]?.channel === 'clear' && r.segments[0].segment === `m0s${v}`)
          .length,
    );
    const segs = estimateSite(manifest, reports).models[0]?.segments ?? [];
    segs.forEach((s, v) => {
      expect(s.support).toBe(counts[v]);
      expect(s.share?.value).toBeCloseTo((counts[v] as number) / 400, 12);
    });
  });
});

describe('estimateSite: bookkeeping', () => {
  const manifest = makeManifest({ ks: [3, 2], d: 2, reporting: { kThreshold: 50 } });

  it('counts only reports of its own site and manifest version', () => {
    const rng = seededRandom(6);
    const mine = simulate({ manifest, n: 300, f: [0.5, 0.3, 0.2], channel: 'clear', rng });
    const otherSite = simulate({
      manifest: makeManifest({ ks: [3], d: 2, site: 'other' }),
      n: 100,
      f: [1, 0, 0],
      channel: 'clear',
      rng,
    });
    const otherVersion = simulate({
      manifest: makeManifest({ ks: [3], d: 2, version: 9 }),
      n: 100,
      f: [1, 0, 0],
      channel: 'clear',
      rng,
    });
    const est = estimateSite(manifest, [...mine, ...otherSite, ...otherVersion]);
    expect(est.reports).toBe(300);
    expect(est.models[0]?.n).toEqual({ clear: 300, ldp: 0 });
  });

  it('counts the reports carrying a field for each model, by channel', () => {
    const rng = seededRandom(7);
    const reports = [
      ...simulate({ manifest, n: 120, f: [0.5, 0.3, 0.2], channel: 'clear', rng }),
      ...simulate({ manifest, n: 80, f: [0.5, 0.3, 0.2], channel: 'ldp', rng }),
    ];
    const est = estimateSite(manifest, reports);
    expect(est.models[0]?.n).toEqual({ clear: 120, ldp: 80 });
    expect(est.models[1]?.n).toEqual({ clear: 0, ldp: 0 });
  });

  it('suppresses a cell backed by fewer than kThreshold reports, withholding its share, means and support', () => {
    const f = [0.04, 0.48, 0.48];
    const reports = simulate({
      manifest,
      n: 1000,
      f,
      channel: 'clear',
      rng: seededRandom(8),
      mu: [
        [0, 0],
        [0.5, 0.5],
        [-0.5, -0.5],
      ],
    });
    const [small, big] = estimateSite(manifest, reports).models[0]?.segments ?? [];
    expect(small).toMatchObject({ suppressed: true, share: null, support: 0 });
    expect(small?.featureMeans.every((m) => m.estimate === null)).toBe(true);
    expect(big?.suppressed).toBe(false);
    expect(big?.support).toBeGreaterThanOrEqual(50);
  });

  it('publishes exactly the unsuppressed estimates of cells with support >= kThreshold and nothing of the others', () => {
    const reports = simulate({
      manifest,
      n: 1500,
      f: [0.03, 0.07, 0.9],
      channel: 'ldp',
      rng: seededRandom(11),
      mu: [
        [0, 0],
        [0.5, 0.5],
        [-0.5, -0.5],
      ],
    });
    const now = new Date(0);
    const raw = unsuppressed(manifest, reports).models[0]?.segments ?? [];
    const published = estimateSite(manifest, reports, { now }).models[0]?.segments ?? [];
    expect(raw.map((s) => s.support >= 50)).toEqual(published.map((s) => !s.suppressed));
    expect(published.some((s) => s.suppressed)).toBe(true);
    published.forEach((s, v) => {
      if (s.suppressed) expect(s).toMatchObject({ share: null, support: 0 });
      else expect(s).toEqual(raw[v]);
    });
  });

  it('suppresses every cell of a model no report speaks for', () => {
    const est = estimateSite(
      manifest,
      simulate({ manifest, n: 100, f: [0.5, 0.3, 0.2], channel: 'clear', rng: seededRandom(9) }),
    );
    expect(est.models[1]?.segments.every((s) => s.suppressed && s.share === null)).toBe(true);
  });

  it('reports the manifest threshold, a SiteEstimates int, when estimating without one', () => {
    const est = unsuppressed(
      manifest,
      simulate({
        manifest,
        n: 200,
        f: [0.5, 0.3, 0.2],
        channel: 'ldp',
        rng: seededRandom(12),
        mu: [
          [0, 0],
          [0, 0],
          [0, 0],
        ],
      }),
    );
    expect(est.kThreshold).toBe(50);
    expect(SiteEstimates.safeParse(JSON.parse(JSON.stringify(est))).success).toBe(true);
  });

  it('returns the SiteEstimates shape with the manifest, threshold and time', () => {
    const now = new Date('2025-03-04T05:06:07Z');
    const est = estimateSite(
      manifest,
      simulate({
        manifest,
        n: 200,
        f: [0.5, 0.3, 0.2],
        channel: 'ldp',
        rng: seededRandom(10),
        mu: [
          [0, 0],
          [0, 0],
          [0, 0],
        ],
      }),
      { now },
    );
    expect(SiteEstimates.safeParse(est).success).toBe(true);
    expect(est).toMatchObject({
      site: 'site1',
      manifestVersion: 3,
      kThreshold: 50,
      generatedAt: '2025-03-04T05:06:07.000Z',
    });
    expect(est.features.map((f) => f.feature)).toEqual(['f0', 'f1']);
  });
});
