import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EdsegError } from '../../../src/core/errors.js';
import { mergeRollup, rollupDeltas, rollupEvents, rollupKey } from '../../../src/core/rollup.js';
import { DAY_MS, type StoredEvent } from '../../../src/core/schema.js';

const ev = (day: number, type: string, props: StoredEvent['props'] = {}): StoredEvent => ({
  type,
  ts: day * DAY_MS,
  day,
  props,
});
const row = (
  day: number,
  type: string,
  prop: string,
  count: number,
  sum: number,
  min: number,
  max: number,
) => ({ day, type, prop, count, sum, min, max });

describe('rollupKey', () => {
  it('joins day, type and prop with bars', () => {
    expect(rollupKey({ day: 20000, type: 'quiz_answer', prop: 'score' })).toBe('20000|quiz_answer|score');
    expect(rollupKey({ day: 20000, type: 'quiz_answer', prop: '' })).toBe('20000|quiz_answer|');
  });
});

describe('rollupDeltas', () => {
  it('adds one count row for an event without props', () => {
    expect(rollupDeltas(ev(5, 'lesson'))).toEqual([row(5, 'lesson', '', 1, 1, 1, 1)]);
  });
  it('adds a row per numeric prop holding its value', () => {
    expect(rollupDeltas(ev(5, 'quiz', { score: 0.25, seconds: 40 }))).toEqual([
      row(5, 'quiz', '', 1, 1, 1, 1),
      row(5, 'quiz', 'score', 1, 0.25, 0.25, 0.25),
      row(5, 'quiz', 'seconds', 1, 40, 40, 40),
    ]);
  });
  it('counts a boolean prop as 1 for true and 0 for false', () => {
    expect(rollupDeltas(ev(5, 'quiz', { correct: true }))[1]).toEqual(row(5, 'quiz', 'correct', 1, 1, 1, 1));
    expect(rollupDeltas(ev(5, 'quiz', { correct: false }))[1]).toEqual(row(5, 'quiz', 'correct', 1, 0, 0, 0));
  });
  it('never rolls up a string prop', () => {
    expect(rollupDeltas(ev(5, 'quiz', { item: 'q7' }))).toEqual([row(5, 'quiz', '', 1, 1, 1, 1)]);
  });
});

describe('mergeRollup', () => {
  it('starts a new row as a copy of the delta', () => {
    const delta = row(5, 'quiz', 'score', 1, 3, 3, 3);
    const merged = mergeRollup(undefined, delta);
    expect(merged).toEqual(delta);
    expect(merged).not.toBe(delta);
  });
  it('adds counts and sums and keeps the extremes', () => {
    expect(mergeRollup(row(5, 'quiz', 'score', 2, 10, 3, 7), row(5, 'quiz', 'score', 1, -1, -1, -1))).toEqual(
      row(5, 'quiz', 'score', 3, 9, -1, 7),
    );
  });
  it('refuses to merge rows of different keys', () => {
    expect(() =>
      mergeRollup(row(5, 'quiz', 'score', 1, 1, 1, 1), row(6, 'quiz', 'score', 1, 1, 1, 1)),
    ).toThrow(EdsegError);
  });
});

describe('rollupEvents', () => {
  it('folds events over several days into sorted per-day rows', () => {
    const events = [
      ev(101, 'quiz', { score: 5 }),
      ev(100, 'quiz', { score: 3, correct: true, item: 'q1' }),
      ev(100, 'lesson'),
      ev(100, 'quiz', { score: 7, correct: false }),
    ];
    expect(rollupEvents(events)).toEqual([
      row(100, 'lesson', '', 1, 1, 1, 1),
      row(100, 'quiz', '', 2, 2, 1, 1),
      row(100, 'quiz', 'correct', 2, 1, 0, 1),
      row(100, 'quiz', 'score', 2, 10, 3, 7),
      row(101, 'quiz', '', 1, 1, 1, 1),
      row(101, 'quiz', 'score', 1, 5, 5, 5),
    ]);
  });
  it('gives the same rows whatever the order of the events', () => {
    const anEvent = fc
      .record({
        day: fc.integer({ min: 0, max: 3 }),
        type: fc.constantFrom('quiz', 'lesson'),
        props: fc.dictionary(
          fc.constantFrom('score', 'correct'),
          fc.oneof(fc.integer({ min: -50, max: 50 }), fc.boolean()),
        ),
      })
      .map((e) => ev(e.day, e.type, e.props));
    fc.assert(
      fc.property(
        fc
          .array(anEvent, { maxLength: 30 })
          .chain((es) => fc.tuple(fc.constant(es), fc.shuffledSubarray(es, { minLength: es.length }))),
        ([events, shuffled]) => {
          expect(rollupEvents(shuffled)).toEqual(rollupEvents(events));
        },
      ),
    );
  });
});
