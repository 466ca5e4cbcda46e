import { describe, expect, it } from 'vitest';
import { minimise, vocabularyOf } from '../../../src/core/minimise.js';
import { DAY_MS, FeatureSpec, parseOrThrow } from '../../../src/core/schema.js';
import { testFeature } from '../../fixtures/manifest.js';

/** A valid FeatureSpec with test defaults; `over` names what the test is about. */
function spec(over: Partial<FeatureSpec> & Pick<FeatureSpec, 'name' | 'kind'>): FeatureSpec {
  return parseOrThrow(FeatureSpec, testFeature(over.name, { events: [], ...over }));
}

const features = [
  spec({ name: 'lessons', kind: 'count', events: ['lesson_complete'] }),
  spec({ name: 'quizScore', kind: 'mean', events: ['quiz_answer'], prop: 'score', educationRecord: true }),
  spec({ name: 'hintRate', kind: 'ratio', events: ['hint'], prop: 'cost', denominator: ['quiz_answer'] }),
  spec({ name: 'goal', kind: 'declared', events: ['settings_open'], key: 'goal', values: { exam: 1 } }),
];
const vocab = vocabularyOf(features);
const ts = 20_000 * DAY_MS + 3_600_000;

describe('vocabularyOf', () => {
  it('reads the event types of every non-declared feature, denominators included', () => {
    expect([...vocab.types].sort()).toEqual(['hint', 'lesson_complete', 'quiz_answer']);
  });
  it('reads a prop only for the events of the sum, mean or ratio feature that names it', () => {
    expect(Object.fromEntries([...vocab.props].map(([t, p]) => [t, [...p].sort()]))).toEqual({
      quiz_answer: ['score'],
      hint: ['cost'],
    });
  });
  it('reads no prop for a count-like feature even when it names one', () => {
    const v = vocabularyOf([spec({ name: 'n', kind: 'count', events: ['video'], prop: 'seconds' })]);
    expect(v.props.get('video')).toBeUndefined();
  });
  it('reads no events for a declared feature', () => {
    expect(vocab.types.has('settings_open')).toBe(false);
  });
});

describe('minimise', () => {
  it('drops an event whose type no feature reads', () => {
    expect(minimise({ type: 'page_view', props: { path: '/home' }, ts }, vocab)).toBeNull();
  });
  it('keeps a read type with only the props a feature reads', () => {
    expect(
      minimise({ type: 'quiz_answer', props: { score: 0.8, item: 'q7', seconds: 12 }, ts }, vocab),
    ).toEqual({
      type: 'quiz_answer',
      ts,
      day: 20_000,
      props: { score: 0.8 },
    });
  });
  it('keeps a denominator-only type without any props', () => {
    const v = vocabularyOf([
      spec({ name: 'r', kind: 'ratio', events: ['hint'], denominator: ['quiz_answer'] }),
    ]);
    expect(minimise({ type: 'quiz_answer', props: { score: 1 }, ts }, v)?.props).toEqual({});
  });
  it('keeps a boolean prop that a feature reads', () => {
    const v = vocabularyOf([spec({ name: 'acc', kind: 'mean', events: ['quiz_answer'], prop: 'correct' })]);
    expect(minimise({ type: 'quiz_answer', props: { correct: true }, ts }, v)?.props).toEqual({
      correct: true,
    });
  });
  it('drops a string value even for a prop a feature reads', () => {
    expect(minimise({ type: 'quiz_answer', props: { score: 'A+' }, ts }, vocab)?.props).toEqual({});
  });
  it('stores an event without props as an empty prop record', () => {
    expect(minimise({ type: 'lesson_complete', ts }, vocab)?.props).toEqual({});
  });
  it('stamps the UTC day number of the timestamp', () => {
    expect(minimise({ type: 'lesson_complete', ts: 20_001 * DAY_MS - 1 }, vocab)?.day).toBe(20_000);
    expect(minimise({ type: 'lesson_complete', ts: 20_001 * DAY_MS }, vocab)?.day).toBe(20_001);
  });
});
