/**
 * Part B's simulation: every learner sends one ldp report built by buildReport, estimateSiteWith
 * estimates every cell, and the estimates are scored against the known truth (R seeded repetitions).
 */
import { estimateSiteWith, isSuppressed } from '../src/core/privacy/estimate.js';
import { buildReport, type ModelAssignment } from '../src/core/privacy/report.js';
import { periodOf } from '../src/core/schema.js';
import type { Manifest, Report, Reporting } from '../src/core/schema.js';
import { seededRandom } from '../src/privacy.js';
import { toDay } from './mapping.js';
import type { Snapshot } from './segments.js';
import { mean, quantile } from './stats.js';
import { pct } from './tables.js';

/** One reporting configuration to simulate at one snapshot day. */
export type SimConfig = { label: string; day: number; reporting: Reporting };
/** The errors, coverage and suppression of one configuration over R repetitions. */
export type SimResult = {
  config: SimConfig;
  reps: number;
  share: { mae: number; p95: number; max: number; coverage: number; cells: number };
  pace: { mae: number; coverage: number };
  mastery: { mae: number; coverage: number };
  feature: { mae: number; max: number; coverage: number };
  segMeans: { published: number; mae: number; coverage: number };
  suppressed: { mean: number; often: string[]; smallPublished: number; largeSuppressed: number };
};

/**
 * R repetitions of "every learner sends one report (ldp for every model)" with estimateSite's
 * maths, scored against the snapshot's true shares and means. The interval of a share is checked
 * against the finite population's share; the estimator's se also counts the sampling of learners,
 * so coverage of the finite-population value may sit a little above 95%.
 */
export function simulate(
  manifest: Manifest,
  s: Snapshot,
  config: SimConfig,
  reps: number,
  seed: number,
): SimResult {
  const n = s.x.length;
  const d = manifest.features.length;
  const kT = manifest.reporting.kThreshold;
  const trueShares = manifest.models.map((model, mi) =>
    model.segments.map((_, v) => s.segment.filter((a) => a[mi] === v).length / n),
  );
  const trueCount = new Map(
    manifest.models.flatMap((model, mi) =>
      model.segments.map((seg, v) => [seg.id, Math.round(trueShares[mi]![v]! * n)] as const),
    ),
  );
  const trueMeans = manifest.features.map((_, j) => mean(s.x.map((x) => x[j]!)));
  const trueSegMeans = manifest.models.map((model, mi) =>
    model.segments.map((_, v) => {
      const xs = s.x.filter((_, i) => s.segment[i]![mi] === v);
      return manifest.features.map((__, j) => (xs.length === 0 ? NaN : mean(xs.map((x) => x[j]!))));
    }),
  );
  const assignments: ModelAssignment[][] = s.segment.map((a) =>
    manifest.models.map((model, mi) => ({
      model: model.id,
      index: a[mi]!,
      k: model.segments.length,
      segmentId: model.segments[a[mi]!]!.id,
      channel: 'ldp' as const,
    })),
  );
  const period = periodOf(toDay(config.day), config.reporting.periodDays);
  const shareErr: number[] = [],
    featErr: number[] = [],
    segErr: number[] = [];
  const byModel = { pace: { err: [] as number[], cover: 0 }, mastery: { err: [] as number[], cover: 0 } };
  let shareCover = 0,
    featCover = 0,
    segCover = 0,
    suppressed = 0,
    small = 0,
    smallPublished = 0,
    large = 0,
    largeSuppressed = 0;
  const suppressedBy = new Map<string, number>();
  const now = new Date('2025-01-01T00:00:00Z');
  for (let r = 0; r < reps; r++) {
    const rng = seededRandom(seed + r);
    const reports: Report[] = s.x.map((x, i) =>
      buildReport({
        site: manifest.site.id,
        manifestVersion: manifest.version,
        period,
        assignments: assignments[i]!,
        features: x,
        reporting: config.reporting,
        rng,
      })!,
    );
    // Errors and coverage are measured before suppression; which cells are suppressed is estimateSite's
    // own rule, applied to the unsuppressed support (its variance is (se of the share x total)^2).
    const est = estimateSiteWith(manifest, reports, { kThreshold: null, shareMinZ: 0, now });
    est.models.forEach((m, mi) =>
      m.segments.forEach((c, v) => {
        const total = m.n.clear + m.n.ldp;
        const e = c.share!;
        const suppressedCell = isSuppressed(c.support, (e.se * total) ** 2, total, { kThreshold: kT });
        const truth = trueShares[mi]![v]!;
        const err = Math.abs(e.value - truth);
        const covered = e.lo <= truth && truth <= e.hi;
        shareErr.push(err);
        if (covered) shareCover++;
        const bm = m.model === 'pace' || m.model === 'mastery' ? byModel[m.model] : null;
        if (bm) {
          bm.err.push(err);
          if (covered) bm.cover++;
        }
        const isSmall = truth * n < kT;
        if (isSmall) small++;
        else large++;
        if (!suppressedCell && isSmall) smallPublished++;
        if (suppressedCell) {
          if (!isSmall) largeSuppressed++;
          suppressed++;
          suppressedBy.set(c.id, (suppressedBy.get(c.id) ?? 0) + 1);
          return;
        }
        c.featureMeans.forEach((fm, j) => {
          const t = trueSegMeans[mi]![v]![j]!;
          if (!fm.estimate || !Number.isFinite(t)) return;
          segErr.push(Math.abs(fm.estimate.value - t));
          if (fm.estimate.lo <= t && t <= fm.estimate.hi) segCover++;
        });
      }),
    );
    est.features.forEach((f, j) => {
      const truth = trueMeans[j]!;
      featErr.push(Math.abs(f.estimate!.value - truth));
      if (f.estimate!.lo <= truth && truth <= f.estimate!.hi) featCover++;
    });
  }
  const cells = shareErr.length / reps;
  return {
    config,
    reps,
    share: {
      mae: mean(shareErr),
      p95: quantile(shareErr, 0.95),
      max: Math.max(...shareErr),
      coverage: shareCover / shareErr.length,
      cells,
    },
    pace: { mae: mean(byModel.pace.err), coverage: byModel.pace.cover / byModel.pace.err.length },
    mastery: { mae: mean(byModel.mastery.err), coverage: byModel.mastery.cover / byModel.mastery.err.length },
    feature: { mae: mean(featErr), max: Math.max(...featErr), coverage: featCover / (reps * d) },
    segMeans: {
      published: segErr.length / reps,
      mae: segErr.length ? mean(segErr) : NaN,
      coverage: segErr.length ? segCover / segErr.length : NaN,
    },
    suppressed: {
      mean: suppressed / reps,
      often: [...suppressedBy]
        .filter(([, c]) => c / reps >= 0.05)
        .map(([id, c]) => `${id} (true n ${trueCount.get(id) ?? 0}) ${pct(c / reps, 0)}`),
      smallPublished: small ? smallPublished / small : NaN,
      largeSuppressed: large ? largeSuppressed / large : NaN,
    },
  };
}
