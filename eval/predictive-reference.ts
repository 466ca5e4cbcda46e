/**
 * Part C's tree reference under `--wide` (docs/EVALUATION.md "Model selection"): the forests
 * of predictive-trees.ts cross-validated by the same 3 x 5-fold machinery and 1-SE rule as the
 * on-device candidates (select), the picked one refitted on all training rows (and the pool, when
 * pooled) and scored once on the test presentation. Whether the best forest's CV AUC beats the
 * segment's by more than the segment's SE is what says if the ceiling is the model kind.
 */
import type { FeatureSpec } from '../src/core/schema.js';
import { auc } from '../src/core/science/metrics.js';
import type { FeatureSet } from './predictive-features.js';
import { candidateName, fitScorer, select, type CvResult, type Pool } from './predictive-select.js';
import type { ForestCandidate } from './predictive-trees.js';
import { num } from './tables.js';

/** The tree reference's figures (PredictiveRow.treeReference). */
export type TreeReference = {
  /** the forest the 1-SE rule picks, its CV AUC and SE, its AUC on the test presentation */
  candidate: string;
  cvAuc: number;
  se: number;
  auc: number;
  /** the forest with the highest CV AUC, and its SE */
  bestCandidate: string;
  bestCvAuc: number;
  bestSe: number;
  /** the best forest's CV AUC beats the segment's by more than the segment's SE */
  aheadInCv: boolean;
};

/**
 * Cross-validates `candidates` on the training rows (trainOf, labels `trainAtRisk`; pooled ones
 * with poolOf's rows, never held out), refits the 1-SE pick on all of them and scores the test
 * rows (testOf) against `positive`; `segment` is the on-device segment's CV AUC and SE.
 */
export async function treeReference(
  candidates: readonly ForestCandidate[],
  specsOf: (set: FeatureSet) => FeatureSpec[],
  trainOf: (set: FeatureSet) => number[][],
  testOf: (set: FeatureSet) => number[][],
  trainAtRisk: readonly boolean[],
  positive: readonly boolean[],
  poolOf: (set: FeatureSet) => Pool,
  segment: { auc: number; se: number },
): Promise<{ p: number[]; ref: TreeReference; cv: CvResult[]; line: string }> {
  const sel = await select(candidates, specsOf, trainOf, trainAtRisk, poolOf);
  const pick = sel.cv.find((r) => r.candidate === sel.best)!;
  const top = sel.cv.reduce((a, b) => (b.auc > a.auc ? b : a));
  const c = sel.best;
  const extra = c.pooled ? poolOf(c.set) : { raw: [], atRisk: [] };
  const fit = await fitScorer(
    c,
    specsOf(c.set),
    [...trainOf(c.set), ...extra.raw],
    [...trainAtRisk, ...extra.atRisk],
  );
  const p = fit(testOf(c.set));
  const ref: TreeReference = {
    candidate: candidateName(c),
    cvAuc: pick.auc,
    se: pick.se,
    auc: auc(p, positive),
    bestCandidate: candidateName(top.candidate),
    bestCvAuc: top.auc,
    bestSe: top.se,
    aheadInCv: top.auc > segment.auc + segment.se,
  };
  const line =
    `tree reference ${ref.candidate} by 3 x 5-fold CV and the 1-SE rule (` +
    sel.cv.map((r) => `${candidateName(r.candidate)} ${num(r.auc, 3)}±${num(r.se, 3)}`).join(', ') +
    `); best forest CV ${num(top.auc, 3)} against the segment's ${num(segment.auc, 3)}±${num(segment.se, 3)}: ` +
    `${ref.aheadInCv ? '' : 'not '}ahead by more than its SE`;
  return { p, ref, cv: sel.cv, line };
}
