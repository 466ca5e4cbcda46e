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
import { computeFeatures, transformed } from '../src/core/features.js';
import { assignReference } from '../src/core/model.js';
import { rollupEvents } from '../src/core/rollup.js';
import { auc, calibrationCurve, rocCurve } from '../src/core/science/metrics.js';
import { type FeatureSpec, type SoftmaxModel, type StoredEvent } from '../src/core/schema.js';
import { Plot, plotSvg } from '../src/server/science/svg.js';
import { trainSoftmax } from '../src/server/science/softmax.js';
import { softmaxModel } from '../src/server/science/train.js';
import { bootstrap, type MetricsWithCi } from './benchmark.js';
import type { Enrolment } from './data.js';
import { enrolledAt, event, toDay } from './mapping.js';
import { num, pct, table } from './tables.js';

/** The module day the features are computed on: the first 28 days of engagement. */
export const CUTOFF_DAY = 28;
/** The feature window: module days -30..28 (OULAD's earliest clicks are a few weeks before the start). */
export const WINDOW_DAYS = CUTOFF_DAY + 31;
/** The L2 penalty of both models. */
export const L2 = 0.01;

/** One enrolment's events for the predictive features. */
export function predictiveEvents(e: Pick<Enrolment, 'clicks' | 'subs'>): StoredEvent[] {
  const out: StoredEvent[] = [];
  const days = new Set<number>();
  for (const c of e.clicks) {
    if (c.clicks <= 0) continue;
    out.push(event(`vle_${c.activity}`, c.day, { clicks: c.clicks }));
    days.add(c.day);
  }
  for (const d of days) out.push(event('vle_visit', d));
  for (const s of e.subs) {
    const props: StoredEvent['props'] = {};
    if (s.score !== null) props['score'] = s.score;
    if (s.due !== undefined && s.due !== null) props['late'] = s.day - s.due;
    out.push(event('assessment_submit', s.day, props));
  }
  return out;
}

const base = {
  windowDays: WINDOW_DAYS,
  normalisation: { kind: 'zscore' as const, mean: 0, sd: 1 },
  educationRecord: false,
};

/** The feature specs before their normalisation is fitted: the segment's, or the baseline's (`plain`). */
export function predictiveSpecs(activities: readonly string[], plain: boolean): FeatureSpec[] {
  const clicks: FeatureSpec[] = activities.map((a) => ({
    ...base,
    name: `clicks_${a}`,
    kind: 'sum',
    events: [`vle_${a}`],
    prop: 'clicks',
    transform: plain ? 'none' : 'log1p',
    clip: plain ? [0, 1e6] : [0, Math.log1p(1e6)],
  }));
  const submissions: FeatureSpec = {
    ...base,
    name: 'submissions',
    kind: 'count',
    events: ['assessment_submit'],
    transform: 'none',
    clip: [0, 100],
  };
  if (plain) return [...clicks, submissions];
  return [
    ...clicks,
    {
      ...base,
      name: 'active_days',
      kind: 'distinctDays',
      events: ['vle_visit'],
      transform: 'none',
      clip: [0, WINDOW_DAYS],
    },
    {
      ...base,
      name: 'active_days_14d',
      kind: 'distinctDays',
      events: ['vle_visit'],
      windowDays: 14,
      transform: 'none',
      clip: [0, 14],
    },
    {
      ...base,
      name: 'days_since_active',
      kind: 'recencyDays',
      events: ['vle_visit'],
      transform: 'log1p',
      clip: [0, Math.log1p(WINDOW_DAYS)],
    },
    submissions,
    {
      ...base,
      name: 'mean_score',
      kind: 'mean',
      events: ['assessment_submit'],
      prop: 'score',
      transform: 'none',
      clip: [0, 100],
      educationRecord: true,
    },
    {
      ...base,
      name: 'mean_late_days',
      kind: 'mean',
      events: ['assessment_submit'],
      prop: 'late',
      transform: 'none',
      clip: [-60, 60],
      educationRecord: true,
    },
  ];
}

/** `specs` with zscore normalisations fitted (mean, sd of the transformed, clipped value) on the rows `raw`. */
export function fitSpecs(specs: FeatureSpec[], raw: readonly (readonly number[])[]): FeatureSpec[] {
  return specs.map((s, j) => {
    const v = raw.map((r) => transformed(r[j]!, s));
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, v.length - 1));
    return { ...s, normalisation: { kind: 'zscore', mean, sd: sd > 0 ? sd : 1 } };
  });
}

/** One model's held-out benchmark on the test presentation (eval/benchmark.ts), intervals by bootstrap. */
export type ModelBenchmark = MetricsWithCi & { model: string; onDevice: boolean };

export type PredictiveRow = MetricsWithCi & {
  module: string;
  trainPresentations: string[];
  testPresentation: string;
  /** the segment's model kind (the top-level metrics are its own) */
  model: string;
  /** held-out AUC of the at-risk segment's probability */
  auc: number;
  baselineAuc: number;
  /** auc - baselineAuc and the bootstrap standard error of that difference (paired resamples) */
  aucGain: { diff: number; se: number };
  /** every model scored, the segment's, the baseline's */
  models: ModelBenchmark[];
  trainN: number;
  testN: number;
  testAtRisk: number;
  /** the segment (most probable class at-risk) on the test presentation */
  flagged: number;
  precision: number;
  recall: number;
  features: string[];
};

const AT_RISK = new Set(['Fail', 'Withdrawn']);

/** A trained softmax model of the two classes [at-risk, not-at-risk] over `specs`, and the test probabilities of at-risk from the device's code. */
async function trainAndScore(
  specs: FeatureSpec[],
  train: readonly Enrolment[],
  test: readonly Enrolment[],
  events: Map<string, StoredEvent[]>,
): Promise<{ model: SoftmaxModel; p: number[] }> {
  const today = toDay(CUTOFF_DAY);
  const rollups = (e: Enrolment) => rollupEvents(events.get(e.key)!);
  const trainRollups = train.map(rollups);
  const fitted = fitSpecs(
    specs,
    trainRollups.map((r) => computeFeatures(r, {}, specs, today).raw),
  );
  const x = trainRollups.map((r) => computeFeatures(r, {}, fitted, today).normalised);
  const y = train.map((e) => (AT_RISK.has(e.outcome) ? 0 : 1));
  const fit = await trainSoftmax(x, y, 2, { l2: L2 });
  const model = softmaxModel(
    'at-risk',
    'instruction',
    fitted.map((s) => s.name),
    ['at-risk', 'not-at-risk'],
    fit,
    () => 'see docs/EVALUATION.md Part C',
    'OULAD',
    '2025-01-01',
  );
  const p = test.map((e) => {
    const { normalised } = computeFeatures(rollups(e), {}, fitted, today);
    return assignReference(model, normalised).scores[0]!;
  });
  return { model, p };
}

/** Part C for the enrolments of every module with two or more presentations. */
export async function predictive(
  enrolments: readonly Enrolment[],
  progress: (line: string) => void,
): Promise<{ rows: PredictiveRow[]; charts: Record<string, string>; lines: string[] }> {
  const byModule = new Map<string, Map<string, Enrolment[]>>();
  for (const e of enrolments) {
    if (!enrolledAt(e, 0)) continue; // still registered at module day 0
    const [mod, pres] = e.run.split('-') as [string, string];
    const m = byModule.get(mod) ?? new Map<string, Enrolment[]>();
    m.set(pres, [...(m.get(pres) ?? []), e]);
    byModule.set(mod, m);
  }
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
    progress(
      `part C: ${mod}, train ${trainNames.join('+')} (${train.length}), test ${testName} (${test.length})`,
    );
    const events = new Map([...train, ...test].map((e) => [e.key, predictiveEvents(e)]));
    const activities = [...new Set(train.flatMap((e) => e.clicks.map((c) => c.activity)))].sort();
    const positive = test.map((e) => AT_RISK.has(e.outcome));
    const segment = await trainAndScore(predictiveSpecs(activities, false), train, test, events);
    const baseline = await trainAndScore(predictiveSpecs(activities, true), train, test, events);
    const flagged = segment.p.map((p) => p > 0.5); // the device assigns the more probable class
    const tp = flagged.filter((f, i) => f && positive[i]).length;
    const nFlagged = flagged.filter(Boolean).length;
    const nPos = positive.filter(Boolean).length;
    const boot = bootstrap({ softmax: segment.p, baseline: baseline.p }, positive);
    const models: ModelBenchmark[] = [
      { model: 'softmax', onDevice: true, ...boot.models['softmax']! },
      { model: 'baseline', onDevice: false, ...boot.models['baseline']! },
    ];
    rows.push({
      module: mod,
      trainPresentations: trainNames,
      testPresentation: testName,
      model: 'softmax',
      ...boot.models['softmax']!,
      auc: auc(segment.p, positive),
      baselineAuc: auc(baseline.p, positive),
      aucGain: boot.aucDiff('softmax', 'baseline'),
      models,
      trainN: train.length,
      testN: test.length,
      testAtRisk: nPos,
      flagged: nFlagged,
      precision: nFlagged ? tp / nFlagged : NaN,
      recall: nPos ? tp / nPos : NaN,
      features: segment.model.features,
    });
    const roc = [
      ...rocCurve(segment.p, positive).map((r) => ({ ...r, model: 'at-risk segment' })),
      ...rocCurve(baseline.p, positive).map((r) => ({
        ...r,
        model: 'baseline (28-day clicks + submissions)',
      })),
    ];
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
    const calibration = [
      ...calibrationCurve(segment.p, positive).map((b) => ({ ...b, model: 'at-risk segment' })),
      ...calibrationCurve(baseline.p, positive).map((b) => ({ ...b, model: 'baseline' })),
    ];
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
  const ci = (x: number, c: [number, number], d = 3) => `${num(x, d)} [${num(c[0], d)}, ${num(c[1], d)}]`;
  const lines = [
    '### C1. Predictive at-risk segment (Fail or Withdrawn, learners registered at day 0; features of module days -30..28; held-out AUC on the latest presentation)',
    '',
    ...table(
      [
        'module',
        'train',
        'test',
        'n train / test',
        'at risk (test)',
        'AUC, segment',
        'AUC, baseline',
        'flagged',
        'precision',
        'recall',
      ],
      rows.map((r) => [
        r.module,
        r.trainPresentations.join(', '),
        r.testPresentation,
        `${r.trainN} / ${r.testN}`,
        `${r.testAtRisk} (${pct(r.testAtRisk / r.testN)})`,
        num(r.auc, 3),
        num(r.baselineAuc, 3),
        String(r.flagged),
        pct(r.precision),
        pct(r.recall),
      ]),
    ),
    '',
    '### C2. Early-warning benchmark (held out on the latest presentation; bootstrap 95% intervals, 1,000 resamples of the test learners)',
    '',
    ...table(
      ['module', 'test', 'model', 'on device', 'ROC-AUC', 'PR-AUC', 'Brier', 'recall, top 20%'],
      rows.flatMap((r) =>
        r.models.map((m) => [
          r.module,
          r.testPresentation,
          m.model,
          m.onDevice ? 'yes' : 'no',
          ci(m.auc, m.aucCi),
          ci(m.prAuc, m.prAucCi),
          ci(m.brier, m.brierCi),
          ci(m.recallAt20, m.recallAt20Ci),
        ]),
      ),
    ),
    '',
    ...rows.map(
      (r) =>
        `${r.module} ${r.testPresentation}: ${r.model} AUC - baseline AUC = ${num(r.aucGain.diff, 3)} ` +
        `(paired bootstrap SE ${num(r.aucGain.se, 3)}; baseline AUC SE ${num(r.models.find((m) => m.model === 'baseline')!.aucSe, 3)}).`,
    ),
    '',
    ...(skipped.length
      ? [`Modules with one presentation in the data (no earlier one to train on): ${skipped.join('; ')}.`, '']
      : []),
  ];
  return { rows, charts, lines };
}
