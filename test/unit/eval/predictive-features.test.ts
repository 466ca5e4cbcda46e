/**
 * Part C's leakage controls (docs/EVALUATION.md "Leakage controls"): nothing after module day 28
 * reaches a feature, no registration field or outcome reaches a feature, and learners who left
 * before day 0 are not in the population.
 */
import { describe, expect, it } from 'vitest';
import { rollupWindowDays } from '../../../src/core/features.js';
import { FeatureSpec } from '../../../src/core/schema.js';
import type { Enrolment } from '../../../eval/data.js';
import {
  CUTOFF_DAY,
  FEATURE_SETS,
  poolFor,
  predictiveEvents,
  predictivePopulation,
  predictiveSpecs,
  rawRows,
  WINDOW_DAYS,
} from '../../../eval/predictive-features.js';

const ACTIVITIES = ['forumng', 'oucontent', 'quiz'];

function enrolment(over: Partial<Enrolment> = {}): Enrolment {
  return {
    key: 'AAA-2013J-1',
    run: 'AAA-2013J',
    outcome: 'Pass',
    registered: -20,
    unregistered: null,
    clicks: [
      { site: '1', activity: 'oucontent', day: -10, clicks: 4 },
      { site: '2', activity: 'forumng', day: 3, clicks: 2 },
      { site: '1', activity: 'oucontent', day: 9, clicks: 7 },
      { site: '3', activity: 'quiz', day: 27, clicks: 5 },
      { site: '3', activity: 'quiz', day: 28, clicks: 1 },
    ],
    subs: [{ day: 19, score: 70, due: 19 }],
    ...over,
  };
}

const features = (e: Enrolment) =>
  Object.fromEntries(
    FEATURE_SETS.map((set) => [set, rawRows(predictiveSpecs(ACTIVITIES, set), [predictiveEvents(e)])[0]]),
  );

describe('Part C leakage controls', () => {
  it('nothing after module day 28: later clicks and submissions change no feature and are not even mapped', () => {
    const e = enrolment();
    const later = enrolment({
      clicks: [
        ...e.clicks,
        { site: '2', activity: 'forumng', day: 29, clicks: 50 },
        { site: '3', activity: 'quiz', day: 120, clicks: 9 },
      ],
      subs: [...e.subs, { day: 29, score: 10, due: 30 }, { day: 200, score: 90, due: 200 }],
    });
    expect(features(later)).toEqual(features(e));
    expect(predictiveEvents(later)).toEqual(predictiveEvents(e));
    expect(Math.max(...predictiveEvents(later).map((ev) => ev.day))).toBe(20_000 + CUTOFF_DAY);
    // and the features do see activity up to the cutoff (day 28 itself included)
    const without28 = enrolment({ clicks: e.clicks.filter((c) => c.day !== CUTOFF_DAY) });
    expect(features(without28)['summary']).not.toEqual(features(e)['summary']);
  });

  it('no unregistration field (nor registration, nor the outcome) reaches a feature', () => {
    const e = enrolment();
    const left = enrolment({ unregistered: 30, registered: -100, outcome: 'Withdrawn' });
    expect(features(left)).toEqual(features(e));
    for (const set of FEATURE_SETS)
      for (const s of predictiveSpecs(ACTIVITIES, set)) {
        for (const t of s.events) expect(t).toMatch(/^(vle_[a-z]+|assessment_submit)$/);
        expect(s.name).not.toMatch(/regist|result|outcome/);
      }
  });

  it('every feature set is manifest FeatureSpecs the device parses (the spec says weeks, first access, gaps)', () => {
    for (const set of FEATURE_SETS)
      for (const s of predictiveSpecs(ACTIVITIES, set))
        expect(FeatureSpec.safeParse(s).success, s.name).toBe(true);
  });

  it('every feature reads module days -30..28 only', () => {
    for (const set of FEATURE_SETS)
      expect(rollupWindowDays(predictiveSpecs(ACTIVITIES, set))).toBeLessThanOrEqual(WINDOW_DAYS);
    const early = enrolment({ clicks: [{ site: '1', activity: 'oucontent', day: -31, clicks: 40 }] });
    const none = enrolment({ clicks: [] });
    expect(features(early)).toEqual(features(none));
  });

  it('learners who left before day 0 are excluded; those registered on day 0 and leaving later are in', () => {
    const population = predictivePopulation([
      enrolment({ key: 'a', unregistered: -5, outcome: 'Withdrawn' }),
      enrolment({ key: 'b', unregistered: 0, outcome: 'Withdrawn' }),
      enrolment({ key: 'c', unregistered: 10, outcome: 'Withdrawn' }),
      enrolment({ key: 'd', registered: 0 }),
      enrolment({ key: 'e', registered: 3 }),
      enrolment({ key: 'f', run: 'AAA-2014J' }),
    ]);
    expect([...population.keys()]).toEqual(['AAA']);
    expect(
      population
        .get('AAA')!
        .get('2013J')!
        .map((e) => e.key),
    ).toEqual(['c', 'd']);
    expect(
      population
        .get('AAA')!
        .get('2014J')!
        .map((e) => e.key),
    ).toEqual(['f']);
  });

  it('the weekly set has clicks per activity type per week, first access and the longest gap', () => {
    const names = predictiveSpecs(ACTIVITIES, 'weekly').map((s) => s.name);
    for (const w of ['pre', 'w1', 'w2', 'w3', 'w4'])
      for (const a of ACTIVITIES) expect(names).toContain(`clicks_${a}_${w}`);
    const row = rawRows(predictiveSpecs(ACTIVITIES, 'weekly'), [predictiveEvents(enrolment())])[0]!;
    const at = (n: string) => row[names.indexOf(n)];
    expect(at('clicks_oucontent_pre')).toBe(4);
    expect(at('clicks_forumng_w1')).toBe(2);
    expect(at('clicks_oucontent_w2')).toBe(7);
    expect(at('clicks_quiz_w4')).toBe(6);
    expect(at('days_since_first_access')).toBe(CUTOFF_DAY + 10);
    expect(at('longest_gap_days')).toBe(17); // days 10..26 of 1..28
    expect(at('submissions')).toBe(1);
  });

  it('the compact set names no activity type and reads every vle type it is given (poolable across modules)', () => {
    const compact = predictiveSpecs(ACTIVITIES, 'compact');
    const totals = predictiveSpecs(ACTIVITIES, 'weeklyTotals').map((s) => s.name);
    expect(compact.map((s) => s.name)).toEqual(totals.filter((n) => !/forumng|oucontent|quiz/.test(n)));
    for (const s of compact) expect(s.name).not.toMatch(/forumng|oucontent|quiz/);
    const week = compact.find((s) => s.name === 'clicks_w2')!;
    expect(week.events).toEqual(ACTIVITIES.map((a) => `vle_${a}`));
    const row = rawRows(compact, [predictiveEvents(enrolment())])[0]!;
    const at = (n: string) => row[compact.findIndex((s) => s.name === n)];
    expect(at('clicks_pre')).toBe(4);
    expect(at('clicks_w4')).toBe(6);
    expect(at('active_days_w4')).toBe(2);
    expect(at('submissions')).toBe(1);
  });

  it('the halves set: clicks and active days before the start, in days 1-14 and 15-28, no activity type', () => {
    const halves = predictiveSpecs(ACTIVITIES, 'halves');
    for (const s of halves) expect(s.name).not.toMatch(/forumng|oucontent|quiz/);
    const row = rawRows(halves, [predictiveEvents(enrolment())])[0]!;
    const at = (n: string) => row[halves.findIndex((s) => s.name === n)];
    expect(at('clicks_pre')).toBe(4);
    expect(at('clicks_h1')).toBe(9); // days 3 and 9
    expect(at('clicks_h2')).toBe(6); // days 27 and 28
    expect(at('active_days_h1')).toBe(2);
    expect(at('active_days_h2')).toBe(2);
    expect(halves.some((s) => /_w[1-4]$/.test(s.name))).toBe(false);
  });

  it('the pool: other modules only, presentations that started before the test one only', () => {
    const byModule = predictivePopulation([
      enrolment({ key: 'a13J', run: 'AAA-2013J' }),
      enrolment({ key: 'a14J', run: 'AAA-2014J' }),
      enrolment({ key: 'b13B', run: 'BBB-2013B' }),
      enrolment({ key: 'b14B', run: 'BBB-2014B' }),
      enrolment({ key: 'b14J', run: 'BBB-2014J' }),
      enrolment({ key: 'c13J', run: 'CCC-2013J' }),
      enrolment({ key: 'cGone', run: 'CCC-2013J', unregistered: -3, outcome: 'Withdrawn' }),
    ]);
    const aaa = poolFor(byModule, 'AAA', '2014J');
    expect(aaa.names).toEqual(['BBB-2013B', 'BBB-2014B', 'CCC-2013J']);
    expect(aaa.enrolments.map((e) => e.key)).toEqual(['b13B', 'b14B', 'c13J']);
    expect(poolFor(byModule, 'BBB', '2014J').names).toEqual(['AAA-2013J', 'CCC-2013J']);
    expect(poolFor(byModule, 'AAA', '2013J').names).toEqual(['BBB-2013B']);
  });
});
