import { describe, expect, it } from 'vitest';
import { computeFeatures, normalise, rollupWindowDays } from '../../../src/core/features.js';
import { rollupEvents } from '../../../src/core/rollup.js';
import {
  DAY_MS,
  FeatureSpec,
  parseOrThrow,
  type Declared,
  type StoredEvent,
} from '../../../src/core/schema.js';
import { testFeature } from '../../fixtures/manifest.js';

/** A valid FeatureSpec with test defaults: a 7-day window, no transform, clip [0, 10], minmax. */
function spec(over: Partial<FeatureSpec> & Pick<FeatureSpec, 'kind'>): FeatureSpec {
  return parseOrThrow(FeatureSpec, testFeature('f', { events: ['quiz'], ...over }));
}

const TODAY = 1000;
const ev = (day: number, type: string, props: StoredEvent['props'] = {}): StoredEvent => ({
  type,
  ts: day * DAY_MS,
  day,
  props,
});
/** The raw value of one feature over `events` as of TODAY. */
const raw1 = (s: FeatureSpec, events: StoredEvent[], declared: Declared = {}) =>
  computeFeatures(rollupEvents(events), declared, [s], TODAY).raw[0];

describe('the window', () => {
  const count = spec({ kind: 'count', windowDays: 7 });
  it('includes today and the windowDays - 1 days before it', () => {
    expect(raw1(count, [ev(TODAY, 'quiz'), ev(TODAY - 6, 'quiz')])).toBe(2);
  });
  it('excludes the day windowDays before today', () => {
    expect(raw1(count, [ev(TODAY - 7, 'quiz')])).toBe(0);
  });
  it('excludes days after today', () => {
    expect(raw1(count, [ev(TODAY + 1, 'quiz')])).toBe(0);
  });
});

describe('feature kinds', () => {
  const events = [
    ev(TODAY, 'quiz', { score: 4, correct: true }),
    ev(TODAY, 'quiz', { score: 2, correct: false }),
    ev(TODAY - 2, 'quiz', { correct: true }),
    ev(TODAY - 2, 'hint', { cost: 3 }),
    ev(TODAY - 3, 'lesson'),
    ev(TODAY - 9, 'quiz', { score: 100 }),
  ];
  it('count: the number of listed events in the window', () => {
    expect(raw1(spec({ kind: 'count', events: ['quiz', 'lesson'] }), events)).toBe(4);
  });
  it('sum: the sum of the prop over the listed events', () => {
    expect(raw1(spec({ kind: 'sum', prop: 'score' }), events)).toBe(6);
  });
  it('mean: the mean of the prop over the events that carry it', () => {
    expect(raw1(spec({ kind: 'mean', prop: 'score' }), events)).toBe(3);
  });
  it('mean: a boolean prop gives the share of trues', () => {
    expect(raw1(spec({ kind: 'mean', prop: 'correct' }), events)).toBeCloseTo(2 / 3, 12);
  });
  it('mean: 0 when no event in the window carries the prop', () => {
    expect(raw1(spec({ kind: 'mean', prop: 'seconds' }), events)).toBe(0);
  });
  it('distinctDays: days with at least one listed event, a day counted once across types', () => {
    expect(raw1(spec({ kind: 'distinctDays', events: ['quiz', 'hint', 'lesson'] }), events)).toBe(3);
  });
  it('recencyDays: days since the last listed event', () => {
    expect(raw1(spec({ kind: 'recencyDays', events: ['hint', 'lesson'] }), events)).toBe(2);
  });
  it('recencyDays: 0 for an event today', () => {
    expect(raw1(spec({ kind: 'recencyDays' }), events)).toBe(0);
  });
  it('recencyDays: windowDays when no listed event falls in the window', () => {
    expect(raw1(spec({ kind: 'recencyDays', events: ['video'], windowDays: 14 }), events)).toBe(14);
    expect(raw1(spec({ kind: 'recencyDays', windowDays: 5 }), [ev(TODAY - 5, 'quiz')])).toBe(5);
  });
  it('ratio: the prop sum over the events divided by the count of the denominator events', () => {
    expect(raw1(spec({ kind: 'ratio', events: ['hint'], prop: 'cost', denominator: ['quiz'] }), events)).toBe(
      1,
    );
  });
  it('ratio: without a prop, the count of the events over the count of the denominator', () => {
    expect(
      raw1(spec({ kind: 'ratio', events: ['hint', 'lesson'], denominator: ['quiz'] }), events),
    ).toBeCloseTo(2 / 3, 12);
  });
  it('ratio: the denominator defaults to the events themselves', () => {
    expect(raw1(spec({ kind: 'ratio', prop: 'score' }), events)).toBe(2);
  });
  it('ratio: 0 when the denominator is 0', () => {
    expect(raw1(spec({ kind: 'ratio', events: ['hint'], denominator: ['video'] }), events)).toBe(0);
  });
});

describe('declared features', () => {
  const goal = spec({
    kind: 'declared',
    events: [],
    key: 'goal',
    values: { exam: 1, fun: -0.5 },
    default: 0.25,
    clip: [0, 1],
  });
  it('maps the declared answer through values', () => {
    expect(computeFeatures([], { goal: 'fun' }, [goal], TODAY)).toEqual({ raw: [-0.5], normalised: [-0.5] });
  });
  it('uses the default when the key is not declared', () => {
    expect(raw1(goal, [], { level: 'b1' })).toBe(0.25);
  });
  it('uses the default when the answer has no value', () => {
    expect(raw1(goal, [], { goal: 'travel' })).toBe(0.25);
  });
  it('is 0 when the key is missing and there is no default', () => {
    const { default: _, ...noDefault } = goal;
    expect(raw1(noDefault, [], {})).toBe(0);
  });
  it('does not mistake an inherited property for an answer', () => {
    expect(raw1(goal, [], { goal: 'constructor' })).toBe(0.25);
  });
  it('bypasses transform, clip and normalisation', () => {
    const s = { ...goal, transform: 'sqrt' as const, clip: [0, 0.5] as [number, number] };
    expect(computeFeatures([], { goal: 'exam' }, [s], TODAY).normalised).toEqual([1]);
  });
});

describe('normalise', () => {
  const minmax = spec({ kind: 'count', clip: [2, 6] });
  it('minmax maps lo to -1, the midpoint to 0 and hi to 1', () => {
    expect([2, 4, 6].map((v) => normalise(v, minmax))).toEqual([-1, 0, 1]);
  });
  it('clips below lo and above hi before normalising', () => {
    expect([0, 9].map((v) => normalise(v, minmax))).toEqual([-1, 1]);
  });
  it('log1p transforms before clipping, so the clip bounds are in log1p space', () => {
    const s = spec({ kind: 'count', transform: 'log1p', clip: [0, 2] });
    expect(normalise(Math.E - 1, s)).toBeCloseTo(0, 12);
    expect(normalise(Math.exp(2) - 1, s)).toBeCloseTo(1, 12);
    expect(normalise(1000, s)).toBe(1);
  });
  it('sqrt transforms before clipping, so the clip bounds are in sqrt space', () => {
    const s = spec({ kind: 'sum', prop: 'x', transform: 'sqrt', clip: [0, 8] });
    expect(normalise(16, s)).toBe(0);
    expect(normalise(64, s)).toBe(1);
  });
  it('a transform keeps the sign of a negative value', () => {
    const s = spec({ kind: 'sum', prop: 'x', transform: 'log1p', clip: [-2, 2] });
    expect(normalise(-(Math.exp(1) - 1), s)).toBeCloseTo(-0.5, 12);
  });
  const z = (scale?: number) =>
    spec({
      kind: 'count',
      clip: [0, 100],
      normalisation: { kind: 'zscore', mean: 10, sd: 2, ...(scale ? { scale } : {}) },
    });
  it('zscore divides the z-score by 3 by default', () => {
    expect(normalise(13, z())).toBeCloseTo(0.5, 12);
    expect(normalise(7, z())).toBeCloseTo(-0.5, 12);
  });
  it('zscore divides by the given scale', () => {
    expect(normalise(13, z(2))).toBeCloseTo(0.75, 12);
  });
  it('zscore clips the result to [-1, 1]', () => {
    expect(normalise(40, z())).toBe(1);
    expect(normalise(0, z())).toBe(-1);
  });
  it('zscore applies to the clipped value', () => {
    const s = spec({ kind: 'count', clip: [0, 12], normalisation: { kind: 'zscore', mean: 10, sd: 2 } });
    expect(normalise(16, s)).toBeCloseTo(1 / 3, 12);
  });
});

describe('computeFeatures', () => {
  it('returns raw (untransformed) and normalised values in spec order', () => {
    const specs = [
      spec({ name: 'quizzes', kind: 'count', transform: 'sqrt', clip: [0, 4] }),
      spec({ name: 'goal', kind: 'declared', events: [], key: 'goal', values: { exam: 1 } }),
      spec({ name: 'idle', kind: 'recencyDays', events: ['lesson'], clip: [0, 7] }),
    ];
    const events = [ev(TODAY, 'quiz'), ev(TODAY - 1, 'quiz'), ev(TODAY - 1, 'quiz'), ev(TODAY - 2, 'quiz')];
    const out = computeFeatures(rollupEvents(events), { goal: 'exam' }, specs, TODAY);
    expect(out.raw).toEqual([4, 1, 7]);
    expect(out.normalised).toEqual([0, 1, 1]);
  });
});

describe('rollupWindowDays', () => {
  it('is the largest window of any event feature', () => {
    expect(
      rollupWindowDays([
        spec({ kind: 'count', windowDays: 7 }),
        spec({ kind: 'sum', prop: 'x', windowDays: 28 }),
        spec({ kind: 'count', windowDays: 14 }),
      ]),
    ).toBe(28);
  });
  it('ignores declared features, which read no rollups', () => {
    const declared = spec({
      kind: 'declared',
      events: [],
      key: 'goal',
      values: { exam: 1 },
      windowDays: 365,
    });
    expect(rollupWindowDays([spec({ kind: 'count', windowDays: 7 }), declared])).toBe(7);
    expect(rollupWindowDays([declared])).toBe(0);
  });
});

describe('windowEndDays and the engagement-shape kinds (issue 21)', () => {
  // active on TODAY-9, TODAY-8, TODAY-3 within a 14-day window ending TODAY
  const active = [ev(TODAY - 9, 'quiz'), ev(TODAY - 8, 'quiz'), ev(TODAY - 3, 'quiz'), ev(TODAY - 3, 'quiz')];
  it('windowEndDays moves the window back: one feature per week', () => {
    const week = (k: number) => spec({ kind: 'count', windowDays: 7, windowEndDays: 7 * k });
    expect(raw1(week(0), active)).toBe(2); // days TODAY-6..TODAY
    expect(raw1(week(1), active)).toBe(2); // days TODAY-13..TODAY-7
    expect(raw1(week(2), active)).toBe(0);
    // never reaches past today, even with an event tomorrow
    expect(raw1(week(0), [ev(TODAY + 1, 'quiz')])).toBe(0);
  });
  it('the rollup window covers windowDays + windowEndDays', () => {
    expect(rollupWindowDays([spec({ kind: 'count', windowDays: 7, windowEndDays: 21 })])).toBe(28);
  });
  it('a window reaching further than 366 days is refused, naming windowEndDays', () => {
    expect(() => spec({ kind: 'count', windowDays: 300, windowEndDays: 100 })).toThrow(/windowEndDays/);
  });
  it('firstDays: days from the first active day to the window end, 0 when none', () => {
    const s = spec({ kind: 'firstDays', windowDays: 14, clip: [0, 14] });
    expect(raw1(s, active)).toBe(9);
    expect(raw1(s, [])).toBe(0);
    expect(raw1(spec({ kind: 'firstDays', windowDays: 14, windowEndDays: 5, clip: [0, 14] }), active)).toBe(
      4,
    );
  });
  it('recencyDays counts to the window end', () => {
    expect(raw1(spec({ kind: 'recencyDays', windowDays: 14, windowEndDays: 5, clip: [0, 14] }), active)).toBe(
      3,
    );
  });
  it('longestGapDays: the longest run of inactive days in the window, windowDays when none', () => {
    const s = spec({ kind: 'longestGapDays', windowDays: 14, clip: [0, 14] });
    // window TODAY-13..TODAY: gaps 4 (TODAY-13..-10), 4 (TODAY-7..-4), 3 (TODAY-2..TODAY)
    expect(raw1(s, active)).toBe(4);
    expect(raw1(s, [...active, ev(TODAY - 12, 'quiz')])).toBe(4);
    expect(raw1(s, [ev(TODAY - 13, 'quiz'), ev(TODAY, 'quiz')])).toBe(12);
    expect(raw1(s, [])).toBe(14);
    expect(raw1(s, [ev(TODAY - 20, 'quiz')])).toBe(14); // outside the window
  });
});
