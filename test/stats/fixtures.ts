/** Simulated learner populations for the estimator specs, and the specs' shared expectations (their manifests: test/fixtures/manifest.ts). */
import { expect, it } from 'vitest';
import { estimateSiteWith } from '../../src/core/privacy/estimate.js';
import type { Rng } from '../../src/core/privacy/random.js';
import type { ScalarMechanism } from '../../src/core/privacy/scalar.js';
import { buildReport } from '../../src/core/privacy/report.js';
import type { Channel, Manifest, Report, Reporting, SiteEstimates } from '../../src/core/schema.js';
import { auditScalar } from './audit.js';
import { meanVar, Z_LIMIT } from './stats.js';

/** A segment drawn from shares f (by inverse CDF on one uniform). */
export function drawSegment(f: readonly number[], rng: Rng): number {
  let u = rng.real();
  for (let v = 0; v < f.length - 1; v++) {
    u -= f[v] as number;
    if (u < 0) return v;
  }
  return f.length - 1;
}

/**
 * n reports from learners of model m0 with segment shares f; a learner in segment v has features
 * mu[v][j] + U(-w, w) (so the segment's true mean is mu[v][j]); channel as given.
 */
export function simulate(opts: {
  manifest: Manifest;
  n: number;
  f: readonly number[];
  channel: Channel;
  rng: Rng;
  mu?: readonly (readonly number[])[];
  w?: number;
  reporting?: Partial<Reporting>;
}): Report[] {
  const { manifest, rng } = opts;
  const model = manifest.models[0];
  if (!model) throw new Error('manifest without models');
  const k = model.segments.length;
  const reporting = { ...manifest.reporting, ...opts.reporting };
  const w = opts.w ?? 0.3;
  const out: Report[] = [];
  for (let i = 0; i < opts.n; i++) {
    const v = drawSegment(opts.f, rng);
    const mu = opts.mu?.[v];
    const features = mu ? mu.map((m) => m + w * (2 * rng.real() - 1)) : null;
    const r = buildReport({
      site: manifest.site.id,
      manifestVersion: manifest.version,
      period: 0,
      rng,
      reporting,
      features,
      assignments: [
        { model: model.id, index: v, k, segmentId: model.segments[v]?.id ?? '', channel: opts.channel },
      ],
    });
    if (r) out.push(r);
  }
  return out;
}

/** Coverage bookkeeping: how often intervals contain the truth, and the mean estimate per cell. */
export class Tally {
  hits = 0;
  total = 0;
  private sums = new Map<string, { n: number; s: number; ss: number; truth: number }>();
  /** Records one interval for cell `key` with true value `truth`. */
  add(key: string, truth: number, e: { value: number; lo: number; hi: number } | null | undefined): void {
    if (!e) throw new Error(`no estimate for ${key}`);
    this.total++;
    if (e.lo <= truth && truth <= e.hi) this.hits++;
    const c = this.sums.get(key) ?? { n: 0, s: 0, ss: 0, truth };
    c.n++;
    c.s += e.value;
    c.ss += e.value * e.value;
    this.sums.set(key, c);
  }
  get coverage(): number {
    if (process.env.EDSEG_STATS_VERBOSE)
      console.log(
        `coverage ${(this.hits / this.total).toFixed(4)} over ${this.total}, worst bias z ${this.worstBiasZ.toFixed(2)}`,
      );
    return this.hits / this.total;
  }
  /** The largest |mean estimate - truth| / (its standard error over trials) across cells. */
  get worstBiasZ(): number {
    let worst = 0;
    for (const c of this.sums.values()) {
      const mean = c.s / c.n;
      const sd = Math.sqrt((c.ss - c.n * mean * mean) / (c.n - 1));
      worst = Math.max(worst, Math.abs(mean - c.truth) / (sd / Math.sqrt(c.n)));
    }
    return worst;
  }
}

/**
 * The estimator itself, before suppression: suppressing cells whose estimate is small would make
 * the published small cells biased upwards by design, so unbiasedness and coverage are properties
 * of the unsuppressed estimates (suppression is tested on its own).
 */
export const unsuppressed = (manifest: Manifest, reports: readonly Report[]): SiteEstimates =>
  estimateSiteWith(manifest, reports, { kThreshold: null, shareMinZ: 0 });

/** Adds model 0's per-segment feature-mean estimates for `segments` to the tally, against the truth. */
export function addMeans(
  tally: Tally,
  est: SiteEstimates,
  truth: readonly (readonly number[])[],
  segments: readonly number[],
): void {
  for (const v of segments)
    truth[v]?.forEach((m, j) =>
      tally.add(`v${v}f${j}`, m, est.models[0]?.segments[v]?.featureMeans[j]?.estimate),
    );
}

/** No cell biased beyond Z_LIMIT standard errors, and 95% intervals covering the truth 93-97% of the time. */
export function expectUnbiasedWithCoverage(tally: Tally): void {
  expect(tally.worstBiasZ).toBeLessThan(Z_LIMIT);
  expect(tally.coverage).toBeGreaterThanOrEqual(0.93);
  expect(tally.coverage).toBeLessThanOrEqual(0.97);
}

/**
 * Draws of an unbiased mechanism: their mean within Z_LIMIT standard errors of `truth` (the se from
 * the variance formula) and their sample variance within 10% of `formula`.
 */
export function expectMeanAndVariance(xs: ArrayLike<number>, truth: number, formula: number): void {
  const { mean, variance } = meanVar(xs);
  expect(Math.abs(mean - truth) / Math.sqrt(formula / xs.length)).toBeLessThan(Z_LIMIT);
  expect(Math.abs(variance / formula - 1)).toBeLessThan(0.1);
}

/**
 * The StatDP-style audit specs of a scalar mechanism at each eps: no violation at the claimed eps
 * (seeded `seed`), and the negative control, run at 2 eps while claiming eps, caught (seeded `seed + 1`).
 */
export function scalarAuditSpecs(
  mechanism: ScalarMechanism,
  epsilons: readonly number[],
  seed: number,
): void {
  for (const eps of epsilons) {
    it(`finds no ratio above e^eps for t = -1 vs t = 1 at eps = ${eps}`, () => {
      expect(auditScalar(mechanism, eps, eps, seed).violations).toEqual([]);
    });
    it(`reports a violation when run at 2 eps but claiming eps = ${eps}`, () => {
      const r = auditScalar(mechanism, eps, 2 * eps, seed + 1);
      expect(r.ok).toBe(false);
      expect(r.epsLowerBound).toBeGreaterThan(eps);
    });
  }
}
