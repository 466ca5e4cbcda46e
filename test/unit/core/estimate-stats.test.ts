/**
 * The estimators take sufficient statistics (src/core/privacy/estimate-stats.ts): estimateSite over
 * reports in memory, and estimateFromStatistics over sums, agree with the estimator as it was
 * before (test/fixtures/estimate-reference.ts, the per-report code of commit bfff1ec) to 1e-9.
 */
import { describe, expect, it } from 'vitest';
import {
  estimateFromStatistics,
  estimateFrequencies,
  estimateSiteWith,
} from '../../../src/core/privacy/estimate.js';
import {
  addTotal,
  statisticsOf,
  emptyStatistics,
  totalsOf,
} from '../../../src/core/privacy/estimate-stats.js';
import { seededRandom } from '../../../src/core/privacy/random.js';
import { perturbSegment } from '../../../src/core/privacy/segment.js';
import * as reference from '../../fixtures/estimate-reference.js';
import { closeDeep, mixedReports } from '../../fixtures/mixed-reports.js';
import { makeManifest } from '../../fixtures/manifest.js';

const manifest = makeManifest({ ks: [3, 5, 30], d: 4, reporting: { kThreshold: 20 } });
const NOW = new Date('2025-06-02T00:00:00Z');
const RULES = [
  { kThreshold: 20, now: NOW },
  { kThreshold: null, shareMinZ: 0, now: NOW },
];

describe('estimators over sufficient statistics', () => {
  it('uses every stratum: clear, GRR and OUE fields, with and without features', () => {
    const stats = statisticsOf(4, mixedReports(manifest, 400));
    const oracles = [...stats.models.values()].flatMap((m) => [...m.values()].map((s) => s.oracle));
    expect(new Set(oracles)).toEqual(new Set(['clear', 'grr', 'oue']));
    const m0 = [...stats.models.get('m0')!.values()];
    expect(m0.some((s) => s.all.nf < s.all.n && s.all.nf > 0)).toBe(true);
  });

  for (const n of [1, 2, 7, 60, 1500]) {
    it(`estimateSiteWith equals the per-report estimator to 1e-9 (${n} reports)`, () => {
      const reports = mixedReports(manifest, n, { seed: n });
      for (const rules of RULES) {
        const want = reference.estimateSiteWith(manifest, reports, rules);
        expect(closeDeep(estimateSiteWith(manifest, reports, rules), want, 1e-9)).toEqual([]);
      }
    });
  }

  it('counts reports of another site or version nowhere, as before', () => {
    const reports = [
      ...mixedReports(manifest, 200, { seed: 3 }),
      ...mixedReports({ ...manifest, version: manifest.version + 1 }, 50, { seed: 4 }),
    ];
    const got = estimateSiteWith(manifest, reports, RULES[0]!);
    expect(got.reports).toBe(200);
    expect(closeDeep(got, reference.estimateSiteWith(manifest, reports, RULES[0]!), 1e-9)).toEqual([]);
  });

  it('gives the same estimates from rows of sums, in any order and split in any way, as from the reports', () => {
    const reports = mixedReports(manifest, 500, { seed: 9 });
    const direct = statisticsOf(4, reports);
    // Rows as the collector stores them (one per model, stratum, value and dim), split in two halves.
    const rows = [
      ...totalsOf(statisticsOf(4, reports.slice(0, 200)), 0),
      ...totalsOf(statisticsOf(4, reports.slice(200)), 0),
    ];
    const rng = seededRandom(5);
    rows.sort(() => rng.real() - 0.5);
    const folded = emptyStatistics(4);
    for (const r of rows) addTotal(folded, r);
    const rules = RULES[1]!;
    expect(
      closeDeep(
        estimateFromStatistics(manifest, folded, rules),
        estimateFromStatistics(manifest, direct, rules),
        1e-9,
      ),
    ).toEqual([]);
  });

  it('estimateFrequencies equals the per-response estimator to 1e-9, GRR and OUE mixed', () => {
    const rng = seededRandom(11);
    for (const [k, eps] of [
      [4, 1],
      [30, 2],
    ] as const) {
      const responses = Array.from({ length: 300 }, (_, i) =>
        i % 2
          ? perturbSegment(i % k, k, eps, rng)
          : {
              oracle: 'oue' as const,
              bits: Array.from({ length: k }, (_, v) => (v === i % k ? 1 : 0) as 0 | 1),
            },
      );
      expect(
        closeDeep(
          estimateFrequencies(responses, k, eps),
          reference.estimateFrequencies(responses, k, eps),
          1e-9,
        ),
      ).toEqual([]);
    }
  });
});
