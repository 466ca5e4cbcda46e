/**
 * Part C's population, events and feature specs (docs/EVALUATION.md "Predictive at-risk segment
 * (Part C)", "Leakage controls"). Every feature is a manifest FeatureSpec the device computes with
 * rollupEvents + computeFeatures on module day 28; nothing here reads a learner's unregistration
 * date or final result except predictivePopulation (who is in the population) and the label.
 */
import { computeFeatures, transformed } from '../src/core/features.js';
import { rollupEvents } from '../src/core/rollup.js';
import type { FeatureSpec, StoredEvent } from '../src/core/schema.js';
import type { Enrolment } from './data.js';
import { enrolledAt, event, toDay } from './mapping.js';

/** The module day the features are computed on: the first 28 days of engagement. */
export const CUTOFF_DAY = 28;
/** The feature window: module days -30..28 (OULAD's earliest clicks are a few weeks before the start). */
export const WINDOW_DAYS = CUTOFF_DAY + 31;
/** The outcome "at risk": final_result Fail or Withdrawn. */
export const AT_RISK = new Set(['Fail', 'Withdrawn']);

/**
 * The population per module and presentation: the enrolments still registered at module day 0
 * (registered by then, not unregistered on or before it). Learners who left before the start are
 * out: their withdrawal is known before any prediction could be made.
 */
export function predictivePopulation(
  enrolments: readonly Enrolment[],
): Map<string, Map<string, Enrolment[]>> {
  const byModule = new Map<string, Map<string, Enrolment[]>>();
  for (const e of enrolments) {
    if (!enrolledAt(e, 0)) continue;
    const [mod, pres] = e.run.split('-') as [string, string];
    const m = byModule.get(mod) ?? new Map<string, Enrolment[]>();
    m.set(pres, [...(m.get(pres) ?? []), e]);
    byModule.set(mod, m);
  }
  return byModule;
}

/**
 * The pool of module `mod` tested on `testName`: the learners of other modules' presentations that
 * started before the test one (`names` like "BBB-2013B"), whose rows may join the training of
 * pooled candidates. Nothing of the test presentation, nor of a later or concurrent one, is in it.
 */
export function poolFor(
  byModule: ReadonlyMap<string, ReadonlyMap<string, Enrolment[]>>,
  mod: string,
  testName: string,
): { names: string[]; enrolments: Enrolment[] } {
  const runs = [...byModule.entries()]
    .filter(([m]) => m !== mod)
    .flatMap(([m, ps]) =>
      [...ps.entries()].filter(([p]) => p < testName).map(([p, es]) => ({ name: `${m}-${p}`, es })),
    )
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  return { names: runs.map((r) => r.name), enrolments: runs.flatMap((r) => r.es) };
}

/**
 * One enrolment's events up to the cutoff (module day 28): one `vle_<activity_type>` { clicks }
 * per click row, one `vle_visit` per active day, one `assessment_submit` { score, late } per
 * submission. It reads clicks and submissions only (no registration field, no outcome), and drops
 * everything dated after the cutoff, on top of computeFeatures's own window.
 */
export function predictiveEvents(e: Pick<Enrolment, 'clicks' | 'subs'>): StoredEvent[] {
  const out: StoredEvent[] = [];
  const days = new Set<number>();
  for (const c of e.clicks) {
    if (c.clicks <= 0 || c.day > CUTOFF_DAY) continue;
    out.push(event(`vle_${c.activity}`, c.day, { clicks: c.clicks }));
    days.add(c.day);
  }
  for (const d of days) out.push(event('vle_visit', d));
  for (const s of e.subs) {
    if (s.day > CUTOFF_DAY) continue;
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

/**
 * The feature sets: the baseline's (`plain`); the 28-day `summary`; `weekly`, clicks per activity
 * type per week; `weeklyTotals`, clicks per activity type over the window and all clicks per week;
 * `compact`, `weeklyTotals` without the activity types: all clicks and active days per week, first
 * access, longest gap, recency and the submissions. `compact` names no activity type (its weekly clicks
 * read every `vle_*` type it is given), so rows of other modules' presentations can join its training.
 */
export const FEATURE_SETS = ['plain', 'summary', 'weekly', 'weeklyTotals', 'compact', 'halves'] as const;
/** The sets whose specs do not depend on the module's activity types (poolable across modules). */
export const MODULE_AGNOSTIC: readonly FeatureSet[] = ['compact', 'halves'];
export type FeatureSet = (typeof FEATURE_SETS)[number];

/** The periods of the weekly set: before the start (days -30..0), then weeks 1-4 (days 1-7, ..., 22-28). */
const PERIODS = [
  { name: 'pre', windowDays: 31, windowEndDays: CUTOFF_DAY },
  ...[4, 3, 2, 1].map((w) => ({ name: `w${w}`, windowDays: 7, windowEndDays: CUTOFF_DAY - 7 * w })),
];
/** The periods of the `halves` set: before the start, then days 1-14 and 15-28. */
const HALVES = [
  PERIODS[0]!,
  { name: 'h1', windowDays: 14, windowEndDays: 14 },
  { name: 'h2', windowDays: 14, windowEndDays: 0 },
];

/** The feature specs of `set` before their normalisation is fitted. */
export function predictiveSpecs(activities: readonly string[], set: FeatureSet): FeatureSpec[] {
  const plain = set === 'plain';
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
  const assessments: FeatureSpec[] = [
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
  const activeDays: FeatureSpec = {
    ...base,
    name: 'active_days',
    kind: 'distinctDays',
    events: ['vle_visit'],
    transform: 'none',
    clip: [0, WINDOW_DAYS],
  };
  const recency: FeatureSpec = {
    ...base,
    name: 'days_since_active',
    kind: 'recencyDays',
    events: ['vle_visit'],
    transform: 'log1p',
    clip: [0, Math.log1p(WINDOW_DAYS)],
  };
  if (set === 'summary')
    return [
      ...clicks,
      activeDays,
      {
        ...base,
        name: 'active_days_14d',
        kind: 'distinctDays',
        events: ['vle_visit'],
        windowDays: 14,
        transform: 'none',
        clip: [0, 14],
      },
      recency,
      ...assessments,
    ];
  const clicksIn = (name: string, events: string[], p: (typeof PERIODS)[number]): FeatureSpec => ({
    ...base,
    name,
    kind: 'sum',
    events,
    prop: 'clicks',
    windowDays: p.windowDays,
    windowEndDays: p.windowEndDays,
    transform: 'log1p',
    clip: [0, Math.log1p(1e6)],
  });
  const totals = set !== 'weekly';
  const weekly: FeatureSpec[] = (set === 'halves' ? HALVES : PERIODS).flatMap((p) => [
    ...(totals
      ? [
          clicksIn(
            `clicks_${p.name}`,
            activities.map((a) => `vle_${a}`),
            p,
          ),
        ]
      : activities.map((a) => clicksIn(`clicks_${a}_${p.name}`, [`vle_${a}`], p))),
    {
      ...base,
      name: `active_days_${p.name}`,
      kind: 'distinctDays',
      events: ['vle_visit'],
      windowDays: p.windowDays,
      windowEndDays: p.windowEndDays,
      transform: 'none',
      clip: [0, p.windowDays],
    },
  ]);
  return [
    ...(set === 'weeklyTotals' ? clicks : []),
    ...weekly,
    activeDays,
    recency,
    {
      ...base,
      name: 'days_since_first_access',
      description: `${CUTOFF_DAY} minus the first active day relative to the module start`,
      kind: 'firstDays',
      events: ['vle_visit'],
      transform: 'none',
      clip: [0, WINDOW_DAYS],
    },
    {
      ...base,
      name: 'longest_gap_days',
      description: 'the longest run of days without a click since the module start',
      kind: 'longestGapDays',
      events: ['vle_visit'],
      windowDays: CUTOFF_DAY,
      transform: 'log1p',
      clip: [0, Math.log1p(CUTOFF_DAY)],
    },
    ...assessments,
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

/** The raw feature rows of `specs` on module day 28 for each events list. */
export function rawRows(specs: FeatureSpec[], events: readonly StoredEvent[][]): number[][] {
  const today = toDay(CUTOFF_DAY);
  return events.map((ev) => computeFeatures(rollupEvents(ev), {}, specs, today).raw);
}

/** The normalised feature rows of fitted `specs` on module day 28 (what the device computes). */
export function normalisedRows(specs: FeatureSpec[], events: readonly StoredEvent[][]): number[][] {
  const today = toDay(CUTOFF_DAY);
  return events.map((ev) => computeFeatures(rollupEvents(ev), {}, specs, today).normalised);
}
