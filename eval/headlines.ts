/** The flag -> outcome pairs Part A judges ("headlines") and their statistics on a population of learners. */
import type { Manifest } from '../src/core/schema.js';
import type { Enrolment } from './data.js';
import { enrolledAt } from './mapping.js';
import type { Snapshot } from './segments.js';
import { flagStats, type FlagStats, type Outcome } from './stats.js';

/** A flag (segments of one model, optionally narrowed by `extra`) and the outcomes it is judged against. */
export type Headline = {
  label: string;
  model: string;
  segments: string[];
  outcomes: Outcome[];
  extra?: (i: number, s: Snapshot) => boolean;
};

/** Every flag -> outcome pair of table A2. */
export const HEADLINES: Headline[] = [
  { label: 'drifting -> Withdrawn', model: 'pace', segments: ['drifting'], outcomes: ['Withdrawn'] },
  {
    label: 'just-starting -> Withdrawn',
    model: 'pace',
    segments: ['just-starting'],
    outcomes: ['Withdrawn'],
  },
  {
    label: 'just-starting, some activity by then -> Withdrawn',
    model: 'pace',
    segments: ['just-starting'],
    outcomes: ['Withdrawn'],
    extra: (i, s) => s.activeBefore[i] === true,
  },
  {
    label: 'just-starting, no activity yet -> Withdrawn',
    model: 'pace',
    segments: ['just-starting'],
    outcomes: ['Withdrawn'],
    extra: (i, s) => s.activeBefore[i] === false,
  },
  {
    label: 'just-starting -> Fail or Withdrawn',
    model: 'pace',
    segments: ['just-starting'],
    outcomes: ['Fail', 'Withdrawn'],
  },
  {
    label: 'drifting or just-starting -> Withdrawn',
    model: 'pace',
    segments: ['drifting', 'just-starting'],
    outcomes: ['Withdrawn'],
  },
  { label: 'needs-support -> Fail', model: 'mastery', segments: ['needs-support'], outcomes: ['Fail'] },
  {
    label: 'needs-support -> Fail or Withdrawn',
    model: 'mastery',
    segments: ['needs-support'],
    outcomes: ['Fail', 'Withdrawn'],
  },
  {
    label: 'needs-support, quiz answers in window -> Fail',
    model: 'mastery',
    segments: ['needs-support'],
    outcomes: ['Fail'],
    extra: (i, s) => s.quizInWindow[i] === true,
  },
  {
    label: 'needs-support, no quiz answers in window -> Fail',
    model: 'mastery',
    segments: ['needs-support'],
    outcomes: ['Fail'],
    extra: (i, s) => s.quizInWindow[i] === false,
  },
  {
    label: 'steady-learner -> Pass or Distinction',
    model: 'pace',
    segments: ['steady-learner'],
    outcomes: ['Pass', 'Distinction'],
  },
  {
    label: 'sprinter -> Pass or Distinction',
    model: 'pace',
    segments: ['sprinter'],
    outcomes: ['Pass', 'Distinction'],
  },
  { label: 'on-track -> Fail', model: 'mastery', segments: ['on-track'], outcomes: ['Fail'] },
  {
    label: 'ready-for-challenge -> Distinction',
    model: 'mastery',
    segments: ['ready-for-challenge'],
    outcomes: ['Distinction'],
  },
];

/** The headline flag with this label (a typo is a crash, not a silently empty column). */
export function headline(label: string): Headline {
  const h = HEADLINES.find((x) => x.label === label);
  if (!h) throw new Error(`no headline "${label}"`);
  return h;
}

/** The learners a snapshot is judged on: all enrolments, or those still enrolled that day (the fair test of a warning). */
export function population(
  enrolments: readonly Enrolment[],
  s: Snapshot,
  which: 'enrolled' | 'all',
): number[] {
  return enrolments.flatMap((e, i) => (which === 'all' || enrolledAt(e, s.day) ? [i] : []));
}

/** How headline `h` separates its outcomes among the learners `idx` of snapshot `s`. */
export function headlineStats(
  manifest: Manifest,
  enrolments: readonly Enrolment[],
  s: Snapshot,
  idx: readonly number[],
  h: Headline,
): FlagStats {
  const mi = manifest.models.findIndex((m) => m.id === h.model);
  const ids = manifest.models[mi]!.segments.map((x) => x.id);
  const flags = idx.map((i) => h.segments.includes(ids[s.segment[i]![mi]!]!) && (h.extra?.(i, s) ?? true));
  const positive = idx.map((i) => h.outcomes.includes(enrolments[i]!.outcome));
  return flagStats(flags, positive);
}
