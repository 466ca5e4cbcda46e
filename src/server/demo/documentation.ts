/**
 * The documentation every `lingua-kids` segment carries: data sources derived from the features a
 * model reads, what the evaluation on real learners found (or that it is not validated), and a
 * changelog that starts at v1.
 */
import type { Segment } from '../../core/schema.js';
import { SEED_FEATURES } from './features.js';

const byName = new Map(SEED_FEATURES.map((f) => [f.name, f]));

/** "lesson_complete events (count, last 7 days)": one line per feature a model reads, derived from the specs. */
function dataSourcesOf(featureNames: readonly string[]): string[] {
  return featureNames.map((name) => {
    const f = byName.get(name)!;
    if (f.kind === 'declared')
      return `${name}: the learner's declared "${f.key}" preference (zero-party, on device)`;
    const what = f.prop ? `${f.events.join(', ')}.${f.prop}` : f.events.join(', ');
    const over = f.denominator ? ` per ${f.denominator.join(', ')}` : '';
    return `${name}: ${what}${over} events (${f.kind}, last ${f.windowDays} days)${f.educationRecord ? ' [education record]' : ''}`;
  });
}

const OULAD =
  'On OULAD (Kuzilek et al. 2017, CC BY 4.0; 3 module runs, about 2,300 adult distance learners still enrolled, clicks mapped to the demo vocabulary; docs/EVALUATION.md)';
/** What the evaluation on real learners found, per segment (eval/, `npm run evaluate`, reproduces it). */
const VALIDATION: Record<string, string> = {
  'steady-learner': `${OULAD}, steady learners at day 28 passed or got a distinction in 74.0% [70.8, 77.0] of cases vs 52.0% of the others (lift 1.25 [1.19, 1.30]); similar at days 14-90.`,
  sprinter: `${OULAD}, sprinters did slightly better than the rest: Pass or Distinction 64.0% vs 58.6% at day 28 (lift 1.08 [0.99, 1.16]). It describes a rhythm, not a risk.`,
  drifting: `${OULAD}, drifting did NOT predict withdrawal: 15.1% [12.6, 18.0] withdrew vs 16.7% of the others at day 28 (lift 0.93 [0.78, 1.11]). Do not use it as a dropout warning.`,
  'just-starting': `${OULAD}, learners in just-starting at day 28 withdrew in 24.0% [20.4, 27.9] of cases vs 14.0% of the others (lift 1.48 [1.26, 1.72]; 1.36-1.58 at days 14-90, in every module run). A moderate risk signal that mixes new and lapsed learners.`,
  'needs-support': `${OULAD}, needs-support learners at day 28 failed in 46.4% [34.0, 59.3] of cases vs 23.9% of the others (lift 1.90 [1.39, 2.43]; 1.8-2.0 at days 56-90). A small segment (2-5%): a support signal, not a verdict.`,
  'on-track': `${OULAD}, on-track holds everyone without enough quiz answers to judge: Fail 30.3% vs 14.6% of the others at day 28 (lift 1.24). Being on-track is not evidence of doing well.`,
  'ready-for-challenge': `${OULAD}, ready-for-challenge learners at day 28 got a distinction in 18.5% [15.9, 21.3] of cases vs 3.8% of the others (lift 2.08 [1.79, 2.41]; 3.1 at day 90).`,
};

const NOT_VALIDATED =
  "Not yet validated against outcomes: the centroids were set by hand from the product team's expectations, " +
  'with no labelled data. Checked only on synthetic learner histories (test/server/seed.test.ts). ' +
  "Refine from the collector's per-segment feature means once a site has at least kThreshold reports per segment.";

/**
 * A model's segments, each documented: data sources derived from the features the model reads,
 * validation from VALIDATION (else NOT_VALIDATED), and a changelog that starts at v1 on `date`.
 */
export function segments(
  features: readonly string[],
  date: string,
  list: readonly (readonly [id: string, name: string, criteria: string])[],
  minAgeBand: Segment['minAgeBand'] = 'under13',
): Segment[] {
  return list.map(([id, name, criteria]) => ({
    id,
    name,
    minAgeBand,
    documentation: {
      dataSources: dataSourcesOf(features),
      criteria,
      validation: VALIDATION[id] ?? NOT_VALIDATED,
      changelog: [{ version: 1, date, change: 'Created.' }],
    },
  }));
}
