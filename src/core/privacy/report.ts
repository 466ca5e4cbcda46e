/**
 * The only way a report is built (PRIVACY.md): a random id, the site, the manifest version, the
 * period, one field per model whose channel is clear or ldp, the noised feature field, and the
 * epsilon spent. Nothing else: no timestamp finer than the period, no user id, no raw value.
 */
import {
  reportEpsilon,
  type Channel,
  type FeatureField,
  type Report,
  type Reporting,
  type SegmentField,
} from '../schema.js';
import { cryptoRng, randomHex, type Rng } from './random.js';
import { perturbSegment } from './segment.js';
import { perturbVector } from './vector.js';

/** A learner's segment in one model and the channel policy chose for reporting it. */
export type ModelAssignment = {
  model: string;
  index: number;
  k: number;
  segmentId: string;
  channel: Channel;
};

/**
 * Builds one report, or null when there is nothing to send (no segment field and no feature
 * field). clear -> the segment id; ldp -> perturbSegment at reporting.epsilonSegment; none -> no
 * field. The feature field (HM per sampled dimension at reporting.epsilonFeatures) is present only
 * when features is not null and epsilonFeatures > 0. epsilon is the sum of the fields' eps.
 */
export function buildReport(input: {
  site: string;
  manifestVersion: number;
  period: number;
  assignments: readonly ModelAssignment[];
  /** normalised to [-1, 1], in the manifest's feature order; null = no feature field */
  features: readonly number[] | null;
  reporting: Reporting;
  rng?: Rng;
}): Report | null {
  const rng = input.rng ?? cryptoRng;
  const epsS = input.reporting.epsilonSegment;
  const epsF = input.reporting.epsilonFeatures;
  const segments: SegmentField[] = [];
  for (const a of input.assignments) {
    if (a.channel === 'clear') {
      segments.push({ model: a.model, channel: 'clear', segment: a.segmentId });
    } else if (a.channel === 'ldp') {
      const r = perturbSegment(a.index, a.k, epsS, rng);
      segments.push(
        r.oracle === 'grr'
          ? { model: a.model, channel: 'ldp', eps: epsS, k: a.k, oracle: 'grr', value: r.value }
          : { model: a.model, channel: 'ldp', eps: epsS, k: a.k, oracle: 'oue', bits: r.bits },
      );
    }
  }
  let features: FeatureField | undefined;
  if (input.features !== null && epsF > 0) {
    const { dims, values } = perturbVector(input.features, epsF, rng);
    features = { eps: epsF, d: input.features.length, mechanism: 'hybrid', dims, values };
  }
  if (segments.length === 0 && features === undefined) return null;
  // The same sum Report's schema check makes, so the two agree to the last bit.
  const epsilon = reportEpsilon(segments, features);
  const report: Report = {
    id: randomHex(16, rng),
    site: input.site,
    manifestVersion: input.manifestVersion,
    period: input.period,
    segments,
    epsilon,
  };
  if (features !== undefined) report.features = features;
  return report;
}
