/**
 * The OULAD -> demo-vocabulary mapping of eval/ (mapping.ts, data.ts, stats.ts) and its outcome statistics,
 * on hand-made rows (the CSV files are not needed). docs/EVALUATION.md states the mapping in words;
 * these tests hold the code to it.
 */
import { describe, expect, it } from 'vitest';
import { computeFeatures } from '../../../src/core/features.js';
import { rollupEvents } from '../../../src/core/rollup.js';
import { DAY_MS } from '../../../src/core/schema.js';
import { SEED_FEATURES } from '../../../src/server/demo/seed.js';
import { numberOrNull, parseCsvLine } from '../../../eval/data.js';
import {
  activityKind,
  clickDayEvents,
  enrolledAt,
  enrolmentEvents,
  MAPPING,
  SENSITIVITY,
  submissionEvents,
  toDay,
  type ClickRow,
  type Mapping,
} from '../../../eval/mapping.js';
import { flagStats, outcomesBySegment, reportsForHalfWidth, wilson } from '../../../eval/stats.js';

const perClicks: Mapping = { ...MAPPING, lessons: 'per-clicks', clicksPerLesson: 10 };
const passMark: Mapping = { ...MAPPING, answers: 'pass-mark' };
const row = (site: string, activity: string, day: number, clicks: number): ClickRow => ({
  site,
  activity,
  day,
  clicks,
});
const types = (evs: { type: string }[]) => evs.map((e) => e.type);
const count = (evs: { type: string }[], type: string) => evs.filter((e) => e.type === type).length;

describe('activityKind', () => {
  it('turns study material into lessons', () => {
    expect(['oucontent', 'resource', 'url', 'page', 'subpage'].map(activityKind)).toEqual([
      'lesson',
      'lesson',
      'lesson',
      'lesson',
      'lesson',
    ]);
  });
  it('turns forums, wikis, live sessions and VLE quizzes into practice', () => {
    expect(['forumng', 'ouwiki', 'oucollaborate', 'quiz'].map(activityKind)).toEqual([
      'practice',
      'practice',
      'practice',
      'practice',
    ]);
  });
  it('treats the homepage and unknown types as a visit only', () => {
    expect([activityKind('homepage'), activityKind('something-new')]).toEqual(['visit', 'visit']);
  });
});

describe('clickDayEvents', () => {
  const day = [
    row('r1', 'oucontent', 3, 4),
    row('r2', 'resource', 3, 2),
    row('r1', 'oucontent', 3, 1),
    row('f', 'forumng', 3, 6),
    row('h', 'homepage', 3, 5),
  ];

  it('gives no events for a day without clicks', () => {
    expect(clickDayEvents(3, [row('r1', 'oucontent', 4, 2)], MAPPING)).toEqual([]);
  });
  it('starts one session on a day with clicks, whatever was clicked', () => {
    expect(count(clickDayEvents(3, day, MAPPING), 'session_start')).toBe(1);
    expect(types(clickDayEvents(3, [row('h', 'homepage', 3, 9)], MAPPING))).toEqual(['session_start']);
  });
  it('dates every event at the synthetic day of the module day', () => {
    const evs = clickDayEvents(-5, [row('r1', 'oucontent', -5, 1)], MAPPING);
    expect(evs.every((e) => e.day === toDay(-5) && e.ts === toDay(-5) * DAY_MS)).toBe(true);
  });
  it('completes one lesson per distinct study resource, its minutes the clicks on it (primary mapping)', () => {
    const lessons = clickDayEvents(3, day, MAPPING).filter((e) => e.type === 'lesson_complete');
    expect(lessons.map((e) => e.props)).toEqual([
      { lessonId: 'r1', minutes: 5 },
      { lessonId: 'r2', minutes: 2 },
    ]);
  });
  it('starts each lesson it completes', () => {
    const evs = clickDayEvents(3, day, MAPPING);
    expect(count(evs, 'lesson_start')).toBe(count(evs, 'lesson_complete'));
  });
  it('completes ceil(clicks / clicksPerLesson) lessons under the per-clicks mapping', () => {
    const rows = [row('a', 'oucontent', 1, 15), row('b', 'url', 1, 8)];
    expect(count(clickDayEvents(1, rows, perClicks), 'lesson_complete')).toBe(3);
    expect(count(clickDayEvents(1, [row('a', 'oucontent', 1, 10)], perClicks), 'lesson_complete')).toBe(1);
  });
  it("sums the day's practice clicks into one practice_session of that many minutes and items", () => {
    const evs = clickDayEvents(3, [...day, row('q', 'quiz', 3, 4)], MAPPING).filter(
      (e) => e.type === 'practice_session',
    );
    expect(evs.map((e) => e.props)).toEqual([{ minutes: 10, items: 10 }]);
  });
  it('scales practice minutes by minutesPerClick', () => {
    const evs = clickDayEvents(3, day, { ...MAPPING, minutesPerClick: 2 }).filter(
      (e) => e.type === 'practice_session',
    );
    expect(evs[0]?.props.minutes).toBe(12);
  });
  it('never emits hint_used or quiz_answer from clicks', () => {
    const evs = clickDayEvents(3, [...day, row('q', 'quiz', 3, 4)], MAPPING);
    expect(count(evs, 'hint_used') + count(evs, 'quiz_answer')).toBe(0);
  });
});

describe('submissionEvents', () => {
  it('turns a score into quiz_complete and ten answers, round(score / 10) of them correct', () => {
    const evs = submissionEvents({ day: 19, score: 67 }, MAPPING);
    expect(evs.find((e) => e.type === 'quiz_complete')?.props).toEqual({ score: 67 });
    const answers = evs.filter((e) => e.type === 'quiz_answer');
    expect(answers).toHaveLength(10);
    expect(answers.filter((e) => e.props.correct === true)).toHaveLength(7);
  });
  it('gives one answer, correct exactly at the pass mark of 40, under the pass-mark mapping', () => {
    const answer = (score: number) =>
      submissionEvents({ day: 19, score }, passMark)
        .filter((e) => e.type === 'quiz_answer')
        .map((e) => e.props.correct);
    expect([answer(39), answer(40)]).toEqual([[false], [true]]);
  });
  it('counts a submission without a score as activity only', () => {
    expect(types(submissionEvents({ day: 19, score: null }, MAPPING))).toEqual(['session_start']);
  });
});

describe('enrolmentEvents', () => {
  it("returns the clicks' and the submissions' events in day order", () => {
    const evs = enrolmentEvents(
      [row('a', 'oucontent', 5, 1), row('b', 'oucontent', -2, 1)],
      [{ day: 1, score: 50 }],
      MAPPING,
    );
    const days = evs.map((e) => e.day);
    expect(days).toEqual([...days].sort((a, b) => a - b));
    expect(new Set(days)).toEqual(new Set([toDay(-2), toDay(1), toDay(5)]));
  });
  it('feeds the seeded features as documented: lessons = resources opened, accuracy = score / 100', () => {
    const clicks = [
      row('a', 'oucontent', 10, 3),
      row('b', 'resource', 10, 1),
      row('c', 'oucontent', 12, 2),
      row('f', 'forumng', 12, 9),
    ];
    const evs = enrolmentEvents(clicks, [{ day: 12, score: 80 }], MAPPING);
    const { raw } = computeFeatures(rollupEvents(evs), {}, SEED_FEATURES, toDay(12));
    const at = (name: string) => raw[SEED_FEATURES.findIndex((f) => f.name === name)];
    expect([
      at('lessons_7d'),
      at('practice_minutes_14d'),
      at('active_days_14d'),
      at('days_since_active'),
      at('quiz_accuracy_14d'),
      at('hint_rate_14d'),
    ]).toEqual([3, 9, 2, 0, 0.8, 0]);
  });
  it('keeps events after the snapshot day out of the features', () => {
    const evs = enrolmentEvents([row('a', 'oucontent', 20, 3)], [{ day: 20, score: 90 }], MAPPING);
    const { raw } = computeFeatures(rollupEvents(evs), {}, SEED_FEATURES, toDay(14));
    expect(raw.slice(0, 6)).toEqual([0, 0, 0, 30, 0, 0]);
  });
});

describe('the mapping variants', () => {
  it('each change one choice of the primary mapping', () => {
    for (const m of SENSITIVITY) {
      const changed = (Object.keys(MAPPING) as (keyof Mapping)[]).filter(
        (k) => k !== 'name' && k !== 'clicksPerLesson' && m[k] !== MAPPING[k],
      );
      expect(changed).toHaveLength(1);
    }
  });
});

describe('enrolledAt', () => {
  it('counts a learner who never unregistered as enrolled', () => {
    expect(enrolledAt({ registered: -30, unregistered: null }, 90)).toBe(true);
  });
  it('drops a learner from the day of unregistration on', () => {
    expect([27, 28, 29].map((d) => enrolledAt({ registered: -30, unregistered: 28 }, d))).toEqual([
      true,
      false,
      false,
    ]);
  });
  it('does not count a learner before a late registration', () => {
    expect([13, 14].map((d) => enrolledAt({ registered: 14, unregistered: null }, d))).toEqual([false, true]);
  });
});

describe('wilson', () => {
  it('matches the textbook intervals for 0/10 and 5/10', () => {
    const [lo0, hi0] = wilson(0, 10);
    const [lo5, hi5] = wilson(5, 10);
    expect(lo0).toBe(0);
    expect(hi0).toBeCloseTo(0.2775, 4);
    expect(lo5).toBeCloseTo(0.2366, 4);
    expect(hi5).toBeCloseTo(0.7634, 4);
  });
  it('mirrors: the interval of x/n is one minus that of (n - x)/n', () => {
    const [lo, hi] = wilson(3, 17);
    const [lo2, hi2] = wilson(14, 17);
    expect(lo).toBeCloseTo(1 - hi2, 12);
    expect(hi).toBeCloseTo(1 - lo2, 12);
  });
  it('is [0, 1] with no trials', () => {
    expect(wilson(0, 0)).toEqual([0, 1]);
  });
});

describe('flagStats', () => {
  // 10 learners: 4 flagged (2 positive), 6 others (1 positive)
  const flags = [true, true, true, true, false, false, false, false, false, false];
  const positive = [true, true, false, false, true, false, false, false, false, false];
  const s = flagStats(flags, positive);

  it('gives the rate among the flagged and among the others', () => {
    expect([s.flagged, s.hits, s.rate, s.others, s.othersRate]).toEqual([4, 2, 0.5, 6, 1 / 6]);
  });
  it('gives lift as the flagged rate over the base rate, and recall as the share of positives flagged', () => {
    expect(s.base).toBeCloseTo(0.3, 12);
    expect(s.lift).toBeCloseTo(0.5 / 0.3, 12);
    expect(s.recall).toBeCloseTo(2 / 3, 12);
  });
  it('scales the Wilson interval of the rate by the base rate for the lift', () => {
    const [lo, hi] = wilson(2, 4);
    expect(s.liftCi[0]).toBeCloseTo(lo / 0.3, 12);
    expect(s.liftCi[1]).toBeCloseTo(hi / 0.3, 12);
  });
});

describe('outcomesBySegment', () => {
  it('counts the outcomes of each segment in the order of the ids', () => {
    const rows = outcomesBySegment(['a', 'b'], [1, 0, 1], ['Fail', 'Pass', 'Withdrawn']);
    expect(rows).toEqual([
      { id: 'a', n: 1, counts: { Withdrawn: 0, Fail: 0, Pass: 1, Distinction: 0 } },
      { id: 'b', n: 2, counts: { Withdrawn: 1, Fail: 1, Pass: 0, Distinction: 0 } },
    ]);
  });
});

describe('reportsForHalfWidth', () => {
  it('gives the classic 385 for a proportion near 1/2 without noise (variance 1/4, half-width 0.05)', () => {
    expect(reportsForHalfWidth(0.25, 0.05)).toBe(385);
  });
  it('grows with the variance per report', () => {
    expect(reportsForHalfWidth(1, 0.05)).toBeGreaterThan(reportsForHalfWidth(0.25, 0.05));
  });
});

describe('parseCsvLine and numberOrNull', () => {
  it('splits plain fields and drops a trailing carriage return', () => {
    expect(parseCsvLine('11391,1752,18,0,78\r')).toEqual(['11391', '1752', '18', '0', '78']);
  });
  it('keeps a comma inside quotes and unescapes doubled quotes', () => {
    expect(parseCsvLine('"AAA","East, Anglian","say ""hi""",""')).toEqual([
      'AAA',
      'East, Anglian',
      'say "hi"',
      '',
    ]);
  });
  it("reads OULAD's ? and empty fields as missing, and negative days as numbers", () => {
    expect([numberOrNull('?'), numberOrNull(''), numberOrNull('-10'), numberOrNull('x')]).toEqual([
      null,
      null,
      -10,
      null,
    ]);
  });
});
