/**
 * OULAD rows -> the demo's event vocabulary (pure; docs/EVALUATION.md "Mapping" states it in words,
 * test/unit/eval/oulad-mapping.test.ts holds the code to it).
 */
import { DAY_MS } from '../src/core/schema.js';
import type { StoredEvent } from '../src/core/schema.js';

/** Module day 0 (the module's start) is this synthetic day number; any fixed base works, windows are relative. */
export const BASE_DAY = 20_000;

/** The synthetic day number (days since 1970-01-01) of a module day (which may be negative). */
export const toDay = (moduleDay: number): number => BASE_DAY + moduleDay;

/** What a VLE activity type becomes: study material -> lessons, interactive work -> practice, anything else -> a visit. */
export type ActivityKind = 'lesson' | 'practice' | 'visit';

// Study material a learner reads or works through: the closest thing OULAD has to a lesson.
const LESSON_TYPES = new Set([
  'oucontent',
  'resource',
  'url',
  'page',
  'subpage',
  'sharedsubpage',
  'dataplus',
  'glossary',
  'htmlactivity',
  'dualpane',
  'folder',
  'repeatactivity',
]);
// Forums, wikis, live sessions and VLE quizzes: active work with no lesson unit. VLE quiz clicks
// carry no result, so they cannot be quiz_answer events (the accuracy feature would read them as
// wrong answers); results come from the assessment scores instead.
const PRACTICE_TYPES = new Set([
  'forumng',
  'ouwiki',
  'oucollaborate',
  'ouelluminate',
  'quiz',
  'externalquiz',
  'questionnaire',
]);

/** The kind of a VLE activity_type (homepage and unknown types are visits: they start a session and nothing else). */
export function activityKind(activityType: string): ActivityKind {
  if (LESSON_TYPES.has(activityType)) return 'lesson';
  if (PRACTICE_TYPES.has(activityType)) return 'practice';
  return 'visit';
}

/** One studentVle row, its site's activity_type joined in; `day` is the module day. */
export type ClickRow = { site: string; activity: string; day: number; clicks: number };
/** One assessment submission (banked ones are dropped before this); score null where OULAD writes `?`; due: the assessment's due day (null for an exam without one). */
export type Submission = { day: number; score: number | null; due?: number | null };

/** The mapping's free choices; MAPPING is the primary one, the others are its sensitivity checks. */
export type Mapping = {
  name: string;
  /** per-resource: one lesson per distinct study-material resource opened that day; per-clicks: ceil(clicks / clicksPerLesson) */
  lessons: 'per-resource' | 'per-clicks';
  clicksPerLesson: number;
  /** OULAD has no time on task; minutes = clicks x this */
  minutesPerClick: number;
  /** proportional: 10 answers per scored assessment, round(score / 10) correct; pass-mark: 1 answer, correct = score >= 40 */
  answers: 'proportional' | 'pass-mark';
};

/** The primary mapping (docs/EVALUATION.md's table). */
export const MAPPING: Mapping = {
  name: 'primary',
  lessons: 'per-resource',
  clicksPerLesson: 10,
  minutesPerClick: 1,
  answers: 'proportional',
};
/** The sensitivity variants (table A4): each changes one choice of MAPPING. */
export const SENSITIVITY: Mapping[] = [
  { ...MAPPING, name: 'lessons = ceil(clicks/10)', lessons: 'per-clicks' },
  { ...MAPPING, name: 'answers: 1 per assessment, correct = score >= 40', answers: 'pass-mark' },
];

/** The Open University's pass mark for an assessment. */
export const PASS_MARK = 40;
/** Quiz answers one scored assessment stands for under the proportional mapping. */
export const ANSWERS_PER_ASSESSMENT = 10;

/** An event of type `type` on module day `day` (at that day's first millisecond). */
export const event = (type: string, day: number, props: StoredEvent['props'] = {}): StoredEvent => ({
  type,
  day: toDay(day),
  ts: toDay(day) * DAY_MS,
  props,
});

/**
 * The events of one learner's clicks on one module day: one session_start; lesson_start +
 * lesson_complete { lessonId, minutes } per lesson; one practice_session { minutes, items } when
 * there was practice. No clicks, no events.
 */
export function clickDayEvents(day: number, rows: readonly ClickRow[], m: Mapping): StoredEvent[] {
  const clicks = rows.filter((r) => r.day === day && r.clicks > 0);
  if (clicks.length === 0) return [];
  const out = [event('session_start', day)];
  const lessonClicks = new Map<string, number>();
  let practice = 0;
  for (const r of clicks) {
    const kind = activityKind(r.activity);
    if (kind === 'lesson') lessonClicks.set(r.site, (lessonClicks.get(r.site) ?? 0) + r.clicks);
    else if (kind === 'practice') practice += r.clicks;
  }
  if (m.lessons === 'per-resource') {
    for (const [site, n] of lessonClicks) {
      out.push(
        event('lesson_start', day, { lessonId: site }),
        event('lesson_complete', day, { lessonId: site, minutes: n * m.minutesPerClick }),
      );
    }
  } else {
    const total = [...lessonClicks.values()].reduce((s, n) => s + n, 0);
    const lessons = Math.ceil(total / m.clicksPerLesson);
    for (let i = 0; i < lessons; i++) {
      const lessonId = `d${day}-${i}`;
      out.push(
        event('lesson_start', day, { lessonId }),
        event('lesson_complete', day, { lessonId, minutes: (total * m.minutesPerClick) / lessons }),
      );
    }
  }
  if (practice > 0)
    out.push(event('practice_session', day, { minutes: practice * m.minutesPerClick, items: practice }));
  return out;
}

/**
 * The events of one submission: a session_start, and for a scored one quiz_complete { score } and
 * its quiz_answer { correct } events (no seconds: OULAD has none, and no feature reads it).
 */
export function submissionEvents(sub: Submission, m: Mapping): StoredEvent[] {
  const out = [event('session_start', sub.day)];
  if (sub.score === null) return out;
  out.push(event('quiz_complete', sub.day, { score: sub.score }));
  if (m.answers === 'pass-mark') {
    out.push(event('quiz_answer', sub.day, { correct: sub.score >= PASS_MARK }));
  } else {
    const right = Math.round((Math.min(100, Math.max(0, sub.score)) / 100) * ANSWERS_PER_ASSESSMENT);
    for (let i = 0; i < ANSWERS_PER_ASSESSMENT; i++)
      out.push(event('quiz_answer', sub.day, { correct: i < right }));
  }
  return out;
}

/** Every event of one enrolment, in day order. hint_used and the declared goal have no OULAD counterpart and never occur. */
export function enrolmentEvents(
  clicks: readonly ClickRow[],
  subs: readonly Submission[],
  m: Mapping,
): StoredEvent[] {
  const byDay = new Map<number, ClickRow[]>();
  for (const r of clicks) {
    const rows = byDay.get(r.day);
    if (rows) rows.push(r);
    else byDay.set(r.day, [r]);
  }
  const out: StoredEvent[] = [];
  for (const [day, rows] of byDay) out.push(...clickDayEvents(day, rows, m));
  for (const s of subs) out.push(...submissionEvents(s, m));
  return out.sort((a, b) => a.day - b.day);
}

/** Whether an enrolment is live on module day `day`: registered by then and not yet unregistered (null = never). */
export function enrolledAt(
  reg: { registered: number | null; unregistered: number | null },
  day: number,
): boolean {
  return (
    (reg.registered === null || reg.registered <= day) &&
    (reg.unregistered === null || reg.unregistered > day)
  );
}
