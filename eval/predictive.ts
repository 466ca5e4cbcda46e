/**
 * The predictive at-risk segment (docs/EVALUATION.md "Predictive at-risk segment (Part C)"): for every module with at least two
 * presentations in the data, "at risk of not passing" (final_result Fail or Withdrawn, among the
 * learners still registered at module day 0), trained on the module's earlier presentations and
 * tested on its latest one, from the first 28 days of engagement only.
 *
 * It runs through the SDK's own code: OULAD rows become events (one `vle_<activity_type>` event
 * { clicks } per click row, one `vle_visit` per active day, one `assessment_submit` { score, late }
 * per submission), rollupEvents + computeFeatures compute the features of a manifest feature list
 * on module day 28 (clicks by activity type, active days in the window and in its last 14 days,
 * days since the last active day, submissions, mean score, mean lateness),
 * normalised by zscores fitted on the training presentations; the model is a manifest `softmax`
 * model trained with TensorFlow.js (src/server/science/softmax.ts), and every held-out
 * probability comes from the device's softmax code (assignReference). The baseline is a plain
 * logistic regression on the 28-day click counts by activity type and the number of early
 * submissions (no transform, no activity days, scores or lateness), trained and scored the same way.
 */
import { auc, calibrationCurve, rocCurve } from '../src/core/science/metrics.js';
import { assignReference } from '../src/core/model.js';
import type { Model } from '../src/core/schema.js';
import { Plot, plotSvg } from '../src/server/science/svg.js';
import { bootstrap, type MetricsWithCi } from './benchmark.js';
import type { Enrolment } from './data.js';
import { ldpAtRiskShare, type LdpShareRow } from './predictive-ldp.js';
import {
  AT_RISK,
  MODULE_AGNOSTIC,
  poolFor,
  predictiveEvents,
  predictivePopulation,
  predictiveSpecs,
  rawRows,
  type FeatureSet,
} from './predictive-features.js';
import {
  BASELINE,
  candidateName,
  fitCandidate,
  MLP_CANDIDATES,
  POOLED_CANDIDATES,
  select,
  SOFTMAX_CANDIDATES,
  type Candidate,
  type CvResult,
  type OnDeviceCandidate,
  WIDE_CANDIDATES,
  WIDE_POOLED_CANDIDATES,
} from './predictive-select.js';
import { predictiveTables } from './predictive-tables.js';
import { treeReference, type TreeReference } from './predictive-reference.js';
import { FOREST_CANDIDATES, FOREST_POOLED_CANDIDATES } from './predictive-trees.js';
import { num } from './tables.js';

/** One model's held-out benchmark on the test presentation (eval/benchmark.ts), intervals by bootstrap. */
export type ModelBenchmark = MetricsWithCi & {
  model: string;
  onDevice: boolean;
  /** the candidate chosen by cross-validation within the training presentations, and its CV AUC */
  candidate: string;
  cvAuc: number;
};

/** The bytes a model adds to the manifest: its JSON, as the signed payload carries it. */
export const manifestBytes = (m: Model): number => Buffer.byteLength(JSON.stringify(m), 'utf8');

export type PredictiveRow = MetricsWithCi & {
  module: string;
  trainPresentations: string[];
  testPresentation: string;
  /** other modules' presentations earlier than the test one ("BBB-2013B"), whose rows train the pooled candidates */
  pooledPresentations: string[];
  /** the segment's model kind (the top-level metrics are its own) */
  model: string;
  /** held-out AUC of the at-risk segment's probability */
  auc: number;
  baselineAuc: number;
  /** auc - baselineAuc and the bootstrap standard error of that difference (paired resamples) */
  aucGain: { diff: number; se: number };
  /**
   * `--wide`: the tree reference (a random forest, never on the device): the candidate the 1-SE
   * rule picks among the forests, its CV AUC and SE, its test AUC, the best forest CV AUC and
   * whether that beats the segment's CV AUC by more than the segment's SE
   */
  treeReference?: TreeReference;
  /** every model scored, the segment's, the baseline's (and `--wide`'s forest) */
  models: ModelBenchmark[];
  /** every candidate's cross-validated AUC (3 x 5-fold) within the training presentations, its standard error and inputs */
  cv: { candidate: string; auc: number; se: number; inputs: number }[];
  /**
   * each on-device kind's chosen candidate (no score feature) beside its twin with the mean
   * assessment score, both cross-validated in training and scored on the test presentation; the
   * twins never compete for the segment (docs/EVALUATION.md "Score features")
   */
  scoreFeatures: { model: string; without: ScoreArm; with: ScoreArm }[];
  /** the segment's at-risk share estimated from ldp reports at each epsilon, against the truth */
  ldp: LdpShareRow[];
  /** bytes each trained on-device model adds to the manifest (its JSON) */
  manifestBytes: { mlp: number; softmax: number };
  trainN: number;
  /** the rows of pooledPresentations */
  pooledN: number;
  testN: number;
  testAtRisk: number;
  /** the segment (most probable class at-risk) on the test presentation */
  flagged: number;
  precision: number;
  recall: number;
  features: string[];
};

/** One arm of the score-feature comparison: the candidate, its CV AUC in training and its AUC on the test presentation. */
export type ScoreArm = { candidate: string; cvAuc: number; auc: number };

/**
 * Part C for the enrolments of every module with two or more presentations; `wide` adds
 * WIDE_CANDIDATES (bagged mlps, the weekly sets) to the candidates.
 */
export async function predictive(
  enrolments: readonly Enrolment[],
  progress: (line: string) => void,
  ldpReps = 200,
  opts: { wide?: boolean } = {},
): Promise<{ rows: PredictiveRow[]; charts: Record<string, string>; lines: string[] }> {
  const byModule = predictivePopulation(enrolments);
  const rows: PredictiveRow[] = [];
  const charts: Record<string, string> = {};
  const skipped: string[] = [];
  for (const [mod, presentations] of [...byModule.entries()].sort()) {
    const names = [...presentations.keys()].sort(); // 2013B < 2013J < 2014B < 2014J: chronological
    if (names.length < 2) {
      skipped.push(`${mod} (only ${names.join(', ')})`);
      continue;
    }
    const testName = names.at(-1)!;
    const trainNames = names.slice(0, -1);
    const train = trainNames.flatMap((n) => presentations.get(n)!);
    const test = presentations.get(testName)!;
    const { names: poolNames, enrolments: pool } = poolFor(byModule, mod, testName);
    progress(
      `part C: ${mod}, train ${trainNames.join('+')} (${train.length}), test ${testName} (${test.length})` +
        (pool.length ? `, pooled ${poolNames.join('+')} (${pool.length})` : ''),
    );
    const typesOf = (es: Enrolment[]) => es.flatMap((e) => e.clicks.map((c) => c.activity));
    const activities = [...new Set(typesOf(train))].sort();
    const allActivities = [...new Set([...activities, ...typesOf(pool)])].sort();
    const trainEvents = train.map(predictiveEvents);
    const testEvents = test.map(predictiveEvents);
    const specsOf = (set: FeatureSet) =>
      predictiveSpecs(MODULE_AGNOSTIC.includes(set) ? allActivities : activities, set);
    const poolEvents = pool.map(predictiveEvents);
    const poolRaws = new Map<FeatureSet, number[][]>();
    const poolOf = (set: FeatureSet) => {
      poolRaws.set(set, poolRaws.get(set) ?? rawRows(specsOf(set), poolEvents));
      return { raw: poolRaws.get(set)!, atRisk: pool.map((e) => AT_RISK.has(e.outcome)) };
    };
    const raws = new Map<FeatureSet, { train: number[][]; test: number[][] }>();
    const rawOf = (set: FeatureSet) => {
      const r = raws.get(set) ?? {
        train: rawRows(specsOf(set), trainEvents),
        test: rawRows(specsOf(set), testEvents),
      };
      raws.set(set, r);
      return r;
    };
    const trainAtRisk = train.map((e) => AT_RISK.has(e.outcome));
    const positive = test.map((e) => AT_RISK.has(e.outcome));
    // each on-device kind's candidate by 3 x 5-fold CV on the training presentations (the 1-SE rule)
    type Chosen = CvResult & { candidate: OnDeviceCandidate };
    const chosen: Record<'softmax' | 'mlp', Chosen> = {} as Record<'softmax' | 'mlp', Chosen>;
    const cv: PredictiveRow['cv'] = [];
    const named = (r: CvResult) => ({
      candidate: candidateName(r.candidate),
      auc: r.auc,
      se: r.se,
      inputs: r.inputs,
    });
    const pooled = <C extends Candidate>(cs: readonly C[]): readonly C[] => (pool.length ? cs : []);
    const all = [
      ...SOFTMAX_CANDIDATES,
      ...MLP_CANDIDATES,
      ...pooled(POOLED_CANDIDATES),
      ...(opts.wide ? [...WIDE_CANDIDATES, ...pooled(WIDE_POOLED_CANDIDATES)] : []),
    ];
    for (const kind of ['softmax', 'mlp'] as const) {
      const candidates = all.filter((c) => c.kind === kind);
      const sel = await select(candidates, specsOf, (set) => rawOf(set).train, trainAtRisk, poolOf);
      chosen[kind] = sel.cv.find((c) => c.candidate === sel.best)! as Chosen;
      cv.push(...sel.cv.map(named));
      progress(
        `part C: ${mod}, chose ${candidateName(sel.best)} by 3 x 5-fold CV and the 1-SE rule on ${trainNames.join('+')} (` +
          sel.cv.map((c) => `${candidateName(c.candidate)} ${num(c.auc, 3)}±${num(c.se, 3)}`).join(', ') +
          ')',
      );
    }
    // the segment: the mlp only when its CV AUC beats the simpler softmax's by more than the softmax's SE
    const kind = chosen.mlp.auc > chosen.softmax.auc + chosen.softmax.se ? 'mlp' : 'softmax';
    const score = async (c: OnDeviceCandidate) => {
      const extra = c.pooled ? poolOf(c.set) : { raw: [], atRisk: [] };
      const m = await fitCandidate(
        c,
        specsOf(c.set),
        [...rawOf(c.set).train, ...extra.raw],
        [...trainAtRisk, ...extra.atRisk],
      );
      return { model: m.model, specs: m.specs, x: m.x(rawOf(c.set).test), p: m.p(rawOf(c.set).test) };
    };
    const fitted = { softmax: await score(chosen.softmax.candidate), mlp: await score(chosen.mlp.candidate) };
    const segment = fitted[kind];
    const baseline = await score(BASELINE);
    // each chosen candidate's twin with the score feature: measured, never a candidate for the segment
    const scoreFeatures: PredictiveRow['scoreFeatures'] = [];
    for (const k of ['mlp', 'softmax'] as const) {
      const twin = { ...chosen[k].candidate, scores: true };
      const twinCv = (await select([twin], specsOf, (set) => rawOf(set).train, trainAtRisk, poolOf)).cv[0]!;
      scoreFeatures.push({
        model: k,
        without: {
          candidate: candidateName(chosen[k].candidate),
          cvAuc: chosen[k].auc,
          auc: auc(fitted[k].p, positive),
        },
        with: {
          candidate: candidateName(twin),
          cvAuc: twinCv.auc,
          auc: auc((await score(twin)).p, positive),
        },
      });
    }
    // --wide: the tree reference, cross-validated the same way, tested once beside the others
    const forest = opts.wide
      ? await treeReference(
          [...FOREST_CANDIDATES, ...pooled(FOREST_POOLED_CANDIDATES)],
          specsOf,
          (set) => rawOf(set).train,
          (set) => rawOf(set).test,
          trainAtRisk,
          positive,
          poolOf,
          chosen[kind],
        )
      : undefined;
    if (forest) {
      cv.push(...forest.cv.map(named));
      progress(`part C: ${mod}, ${forest.line}`);
    }
    const flagged = segment.p.map((p) => p > 0.5); // the device assigns the more probable class
    const tp = flagged.filter((f, i) => f && positive[i]).length;
    const nFlagged = flagged.filter(Boolean).length;
    const nPos = positive.filter(Boolean).length;
    const boot = bootstrap(
      {
        mlp: fitted.mlp.p,
        softmax: fitted.softmax.p,
        baseline: baseline.p,
        ...(forest ? { forest: forest.p } : {}),
      },
      positive,
    );
    const models: ModelBenchmark[] = [
      {
        model: 'mlp',
        onDevice: true,
        candidate: candidateName(chosen.mlp.candidate),
        cvAuc: chosen.mlp.auc,
        ...boot.models['mlp']!,
      },
      {
        model: 'softmax',
        onDevice: true,
        candidate: candidateName(chosen.softmax.candidate),
        cvAuc: chosen.softmax.auc,
        ...boot.models['softmax']!,
      },
      {
        model: 'baseline',
        onDevice: false,
        candidate: candidateName(BASELINE),
        cvAuc: NaN,
        ...boot.models['baseline']!,
      },
      ...(forest
        ? [
            {
              model: 'forest',
              onDevice: false,
              candidate: forest.ref.candidate,
              cvAuc: forest.ref.cvAuc,
              ...boot.models['forest']!,
            },
          ]
        : []),
    ];
    progress(`part C: ${mod}, the at-risk share from LDP reports, R = ${ldpReps} per epsilon`);
    const ldp = ldpAtRiskShare(
      segment.model,
      segment.specs,
      segment.x,
      segment.x.map((x) => assignReference(segment.model, x).index),
      positive,
      ldpReps,
    );
    rows.push({
      module: mod,
      ldp,
      cv,
      scoreFeatures,
      ...(forest ? { treeReference: forest.ref } : {}),
      trainPresentations: trainNames,
      testPresentation: testName,
      pooledPresentations: poolNames,
      model: kind,
      ...boot.models[kind]!,
      auc: auc(segment.p, positive),
      baselineAuc: auc(baseline.p, positive),
      aucGain: boot.aucDiff(kind, 'baseline'),
      manifestBytes: {
        mlp: manifestBytes(fitted.mlp.model),
        softmax: manifestBytes(fitted.softmax.model),
      },
      models,
      trainN: train.length,
      pooledN: pool.length,
      testN: test.length,
      testAtRisk: nPos,
      flagged: nFlagged,
      precision: nFlagged ? tp / nFlagged : NaN,
      recall: nPos ? tp / nPos : NaN,
      features: segment.model.features,
    });
    const curves = [
      { p: fitted.mlp.p, model: `mlp${kind === 'mlp' ? ' (segment)' : ''}` },
      { p: fitted.softmax.p, model: `softmax${kind === 'softmax' ? ' (segment)' : ''}` },
      { p: baseline.p, model: 'baseline (28-day clicks + submissions)' },
    ];
    const roc = curves.flatMap((c) => rocCurve(c.p, positive).map((r) => ({ ...r, model: c.model })));
    charts[`roc-${mod}.svg`] = plotSvg({
      title: `${mod}: held-out ROC on ${testName} (trained on ${trainNames.join(', ')})`,
      x: { label: 'false positive rate', domain: [0, 1] },
      y: { label: 'true positive rate', domain: [0, 1], grid: true },
      color: { legend: true },
      marks: [
        Plot.line(
          [
            { fpr: 0, tpr: 0 },
            { fpr: 1, tpr: 1 },
          ],
          { x: 'fpr', y: 'tpr', strokeDasharray: '4,4' },
        ),
        Plot.line(roc, { x: 'fpr', y: 'tpr', stroke: 'model' }),
      ],
    });
    const calibration = curves.flatMap((c) =>
      calibrationCurve(c.p, positive).map((b) => ({ ...b, model: c.model })),
    );
    charts[`calibration-${mod}.svg`] = plotSvg({
      title: `${mod}: calibration on ${testName} (10 equal-width bins; dot area = learners)`,
      x: { label: 'predicted probability of at risk', domain: [0, 1] },
      y: { label: 'observed share at risk', domain: [0, 1], grid: true },
      r: { range: [2, 9] },
      color: { legend: true },
      marks: [
        Plot.line(
          [
            { predicted: 0, observed: 0 },
            { predicted: 1, observed: 1 },
          ],
          { x: 'predicted', y: 'observed', strokeDasharray: '4,4' },
        ),
        Plot.line(calibration, { x: 'predicted', y: 'observed', stroke: 'model' }),
        Plot.dot(calibration, { x: 'predicted', y: 'observed', r: 'n', fill: 'model' }),
      ],
    });
  }
  const lines = predictiveTables(rows, skipped);
  return { rows, charts, lines };
}
