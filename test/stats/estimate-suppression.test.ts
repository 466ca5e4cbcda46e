/**
 * The k-threshold on ldp cells: the support of a segment is itself an estimate, so an empty segment
 * must not be published on the strength of noise, while a well-populated one is.
 */
import { describe, expect, it } from 'vitest';
import { estimateSite, isSuppressed } from '../../src/core/privacy/estimate.js';
import { seededRandom } from '../../src/core/privacy/random.js';
import { SiteEstimates } from '../../src/core/schema.js';
import { simulate, unsuppressed } from './fixtures.js';
import { makeManifest } from '../fixtures/manifest.js';

const RUNS = 200;

describe('estimateSite: suppression of ldp cells', () => {
  it('suppresses an empty segment in almost every run, and publishes a large one in every run', () => {
    const manifest = makeManifest({
      ks: [3],
      d: 2,
      reporting: { epsilonSegment: 1, epsilonFeatures: 0, kThreshold: 50 },
    });
    const rng = seededRandom(2026);
    let emptyPublished = 0;
    let largeSuppressed = 0;
    for (let i = 0; i < RUNS; i++) {
      const reports = simulate({ manifest, n: 2_500, f: [0.6, 0.4, 0], channel: 'ldp', rng });
      const cells = estimateSite(manifest, reports).models[0]!.segments;
      if (!cells[2]!.suppressed) emptyPublished++;
      if (cells[0]!.suppressed) largeSuppressed++;
    }
    // With support alone against k = 50 (se of the support about 56 here), the empty cell was published
    // in roughly a fifth of runs; the 3-se rule brings that to a rounding error.
    expect(emptyPublished / RUNS).toBeLessThan(0.02);
    expect(largeSuppressed).toBe(0);
  });

  it('isSuppressed, applied to the unsuppressed support and its variance, decides exactly as estimateSite does', () => {
    const manifest = makeManifest({
      ks: [6],
      d: 2,
      reporting: { epsilonSegment: 1, epsilonFeatures: 0, kThreshold: 50 },
    });
    const rng = seededRandom(2027);
    const decisions = new Set<boolean>();
    for (let i = 0; i < 20; i++) {
      const reports = simulate({
        manifest,
        n: 2_000,
        f: [0.5, 0.3, 0.1, 0.06, 0.04, 0],
        channel: 'ldp',
        rng,
      });
      const raw = unsuppressed(manifest, reports).models[0]!;
      const published = estimateSite(manifest, reports).models[0]!.segments;
      const total = raw.n.clear + raw.n.ldp;
      raw.segments.forEach((c, v) => {
        const suppressed = isSuppressed(c.support, (c.share!.se * total) ** 2, total, { kThreshold: 50 });
        expect(suppressed).toBe(published[v]!.suppressed);
        decisions.add(suppressed);
      });
    }
    expect(decisions).toEqual(new Set([true, false]));
  });

  it('publishes clear cells on their exact count', () => {
    const manifest = makeManifest({ ks: [3], d: 2, reporting: { epsilonFeatures: 0, kThreshold: 50 } });
    const reports = simulate({
      manifest,
      n: 1_000,
      f: [0.9, 0.06, 0.04],
      channel: 'clear',
      rng: seededRandom(7),
    });
    const cells = estimateSite(manifest, reports).models[0]!.segments;
    const count = (v: number) =>
      reports.filter(
        (r) =>
          r.segments[0]?.channel === 'clear' && r.segments[0].segment === manifest.models[0]!.segments[v]!.id,
      ).length;
    for (let v = 0; v < 3; v++) expect(cells[v]!.suppressed).toBe(count(v) < 50);
  });
});

describe('estimateSite: no non-finite number in any estimate', () => {
  it('ignores an eps of 1e-300 and huge feature values that reach it past the collector', () => {
    const manifest = makeManifest({ ks: [3], d: 2, reporting: { epsilonSegment: 1, kThreshold: 50 } });
    const rng = seededRandom(8);
    const mu = [0, 1, 2].map(() => [0, 0]);
    const honest = simulate({ manifest, n: 600, f: [0.5, 0.3, 0.2], channel: 'ldp', rng, mu });
    const reporting = { epsilonSegment: 1e-300 };
    const tiny = simulate({ manifest, n: 1, f: [1, 0, 0], channel: 'ldp', rng, reporting });
    const huge = simulate({ manifest, n: 2, f: [1, 0, 0], channel: 'clear', rng, mu }).map((r) => ({
      ...r,
      features: { ...r.features!, values: r.features!.values.map(() => 1e300) },
    }));
    for (const reports of [
      [...honest, ...tiny],
      [...honest, ...huge],
      [...tiny, ...huge],
    ]) {
      // The schema's numbers are finite (zod refuses NaN and the infinities).
      const parsed = SiteEstimates.safeParse(estimateSite(manifest, reports));
      expect(parsed.error?.issues ?? []).toEqual([]);
    }
    // The honest cells are still published.
    expect(estimateSite(manifest, [...honest, ...tiny]).models[0]!.segments[0]!.share).not.toBeNull();
  });
});
