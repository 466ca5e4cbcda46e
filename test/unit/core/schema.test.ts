import { describe, expect, it } from 'vitest';
import {
  EventInput,
  ConsentInput,
  Manifest,
  Report,
  parseOrThrow,
  periodOf,
  dayOf,
} from '../../../src/core/schema.js';
import { EdsegError } from '../../../src/core/errors.js';
import { testManifest } from '../../fixtures/manifest.js';

function fieldOfFailure(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(EdsegError);
    return (e as EdsegError).field;
  }
  throw new Error('expected a failure');
}

describe('event schema', () => {
  it('accepts a well-formed event with number, string and boolean props', () => {
    expect(
      parseOrThrow(EventInput, { type: 'quiz_answer', props: { correct: true, seconds: 4.5, item: 'q1' } }),
    ).toEqual({
      type: 'quiz_answer',
      props: { correct: true, seconds: 4.5, item: 'q1' },
    });
  });
  it('names the type field when the type is not an identifier', () => {
    expect(fieldOfFailure(() => parseOrThrow(EventInput, { type: '1lesson' }, 'event'))).toBe('event.type');
  });
  it('names the prop when a prop value is not finite', () => {
    expect(
      fieldOfFailure(() => parseOrThrow(EventInput, { type: 'x', props: { seconds: Number.NaN } }, 'event')),
    ).toBe('event.props.seconds');
  });
  it('names the prop when a prop value is an object', () => {
    expect(
      fieldOfFailure(() => parseOrThrow(EventInput, { type: 'x', props: { nested: { a: 1 } } }, 'event')),
    ).toBe('event.props.nested');
  });
  it('rejects more than 32 props', () => {
    const props = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`p${i}`, i]));
    expect(fieldOfFailure(() => parseOrThrow(EventInput, { type: 'x', props }, 'event'))).toBe('event.props');
  });
  it('rejects a string prop over 256 characters', () => {
    expect(
      fieldOfFailure(() => parseOrThrow(EventInput, { type: 'x', props: { s: 'a'.repeat(257) } }, 'event')),
    ).toBe('event.props.s');
  });
  it('rejects unknown top-level keys', () => {
    expect(() => parseOrThrow(EventInput, { type: 'x', user: 'alice' })).toThrow(/Unrecognized key/);
  });
});

describe('consent schema', () => {
  it('names a bad purpose inside parental consent', () => {
    expect(
      fieldOfFailure(() =>
        parseOrThrow(ConsentInput, { parental: { verified: true, purposes: ['tracking'] } }, 'consent'),
      ),
    ).toBe('consent.parental.purposes.0');
  });
  it('accepts an empty record', () => {
    expect(parseOrThrow(ConsentInput, {})).toEqual({});
  });
});

describe('report schema', () => {
  const base = {
    id: '0123456789abcdef0123456789abcdef',
    site: 'lingua-kids',
    manifestVersion: 1,
    period: 20000,
    segments: [],
    epsilon: 0,
  };
  it('rejects any field PRIVACY.md does not list', () => {
    expect(Report.safeParse({ ...base, userId: 'u1' }).success).toBe(false);
    expect(
      Report.safeParse({ ...base, segments: [{ model: 'm', channel: 'clear', segment: 's', ts: 1 }] })
        .success,
    ).toBe(false);
  });
  it('requires epsilon to equal the sum of the fields', () => {
    const seg = { model: 'm', channel: 'ldp', eps: 1, k: 3, oracle: 'grr', value: 2 };
    expect(Report.safeParse({ ...base, segments: [seg], epsilon: 1 }).success).toBe(true);
    expect(Report.safeParse({ ...base, segments: [seg], epsilon: 0.5 }).success).toBe(false);
  });
  it('rejects a grr value outside [0, k)', () => {
    expect(
      Report.safeParse({
        ...base,
        segments: [{ model: 'm', channel: 'ldp', eps: 1, k: 3, oracle: 'grr', value: 3 }],
        epsilon: 1,
      }).success,
    ).toBe(false);
  });
  it('rejects an oue field whose bit vector is not k long', () => {
    expect(
      Report.safeParse({
        ...base,
        segments: [{ model: 'm', channel: 'ldp', eps: 1, k: 3, oracle: 'oue', bits: [0, 1] }],
        epsilon: 1,
      }).success,
    ).toBe(false);
  });
});

describe('manifest rules', () => {
  it('refuses rollups kept for less than the longest feature window, naming retention.rollupDays', () => {
    expect(Manifest.safeParse(testManifest()).success).toBe(true);
    const r = Manifest.safeParse(testManifest({ retention: { rawEventDays: 7, rollupDays: 10 } }));
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.'))).toContain('retention.rollupDays');
  });

  it("takes reporting.budget.freshStore 'wait' or 'report', or none, and refuses anything else naming it", () => {
    const withFresh = (freshStore: unknown) => {
      const m = testManifest();
      return { ...m, reporting: { ...m.reporting, budget: { ...m.reporting.budget, freshStore } } };
    };
    expect(parseOrThrow(Manifest, withFresh('wait')).reporting.budget.freshStore).toBe('wait');
    expect(parseOrThrow(Manifest, withFresh('report')).reporting.budget.freshStore).toBe('report');
    expect(parseOrThrow(Manifest, testManifest()).reporting.budget.freshStore).toBeUndefined();
    for (const bad of ['never', true, null])
      expect(fieldOfFailure(() => parseOrThrow(Manifest, withFresh(bad), 'manifest'))).toBe(
        'manifest.reporting.budget.freshStore',
      );
  });
});

describe('time', () => {
  it('rounds a day down to the start of its period', () => {
    expect(periodOf(20005, 7)).toBe(19999);
    expect(periodOf(19999, 7)).toBe(19999);
    expect(periodOf(dayOf(Date.UTC(2026, 0, 1)), 1)).toBe(dayOf(Date.UTC(2026, 0, 1)));
  });
});
