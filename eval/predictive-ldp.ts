/**
 * Part C's privacy side (docs/EVALUATION.md "The at-risk share from LDP reports"): the at-risk
 * model runs on the device on its own features, and only its ordinary report leaves it. Every test
 * learner sends one `ldp` report built by buildReport (segment by k-ary randomised response, the
 * features by the manifest's feature mechanism) at epsilon 0.5, 1 and 2; estimateSiteWith estimates
 * the at-risk segment's share; R seeded repetitions are scored against the true segment share (what
 * the reports can tell) and shown beside the true outcome share (Fail or Withdrawn).
 */
import { estimateSiteWith } from '../src/core/privacy/estimate.js';
import { buildReport } from '../src/core/privacy/report.js';
import { periodOf, type FeatureSpec, type Manifest, type Model } from '../src/core/schema.js';
import { seededRandom } from '../src/privacy.js';
import { toDay } from './mapping.js';
import { CUTOFF_DAY } from './predictive-features.js';
import { seedManifest } from './segments.js';
import { mean } from './stats.js';

/** The epsilons simulated (eps_segment = eps_features). */
export const LDP_EPSILONS = [0.5, 1, 2] as const;

export type LdpShareRow = {
  epsilon: number;
  reps: number;
  /** the share of test learners the device puts in at-risk, and the share who failed or withdrew */
  trueSegmentShare: number;
  trueOutcomeShare: number;
  /** the mean estimate, its mean absolute error against the segment share, and the 95% intervals' coverage */
  meanEstimate: number;
  mae: number;
  meanHalfWidth: number;
  coverage: number;
};

/**
 * R repetitions per epsilon of every learner reporting segment `index[i]` of `model` (at-risk is
 * segment 0) with normalised features `x[i]`, in a manifest that holds only this model and its features.
 */
export function ldpAtRiskShare(
  model: Model,
  specs: FeatureSpec[],
  x: readonly number[][],
  index: readonly number[],
  atRisk: readonly boolean[],
  reps: number,
  seed = 2100,
): LdpShareRow[] {
  const base = seedManifest();
  const ids = model.segments.map((s) => s.id);
  const now = new Date('2025-01-01T00:00:00Z');
  const n = x.length;
  const trueSegmentShare = index.filter((v) => v === 0).length / n;
  const trueOutcomeShare = atRisk.filter(Boolean).length / n;
  return LDP_EPSILONS.map((epsilon) => {
    const reporting = { ...base.reporting, epsilonSegment: epsilon, epsilonFeatures: epsilon };
    const manifest: Manifest = {
      ...base,
      features: specs,
      models: [model],
      policy: { allowed: ids, clear: [] },
      reporting,
    };
    const period = periodOf(toDay(CUTOFF_DAY), reporting.periodDays);
    const est: number[] = [];
    const half: number[] = [];
    let covered = 0;
    for (let r = 0; r < reps; r++) {
      const rng = seededRandom(seed + r);
      const reports = x.map((features, i) =>
        buildReport({
          site: manifest.site.id,
          manifestVersion: manifest.version,
          period,
          assignments: [
            { model: model.id, index: index[i]!, k: ids.length, segmentId: ids[index[i]!]!, channel: 'ldp' },
          ],
          features,
          reporting,
          rng,
        })!,
      );
      const share = estimateSiteWith(manifest, reports, { kThreshold: null, shareMinZ: 0, now }).models[0]!
        .segments[0]!.share!;
      est.push(share.value);
      half.push((share.hi - share.lo) / 2);
      if (share.lo <= trueSegmentShare && trueSegmentShare <= share.hi) covered++;
    }
    return {
      epsilon,
      reps,
      trueSegmentShare,
      trueOutcomeShare,
      meanEstimate: mean(est),
      mae: mean(est.map((e) => Math.abs(e - trueSegmentShare))),
      meanHalfWidth: mean(half),
      coverage: covered / reps,
    };
  });
}
