/**
 * The main thread's plain checks (src/core/schema/checks.ts) against the zod schemas they are written
 * from: on generated inputs, valid and not, each check accepts exactly what its schema accepts, and
 * when it refuses it names the same field (the first failing path).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ConsentInput,
  Declared,
  EventInput,
  SegmenterOptions,
  checkConsent,
  checkDeclared,
  checkEvent,
  checkOptions,
  parseOrThrow,
} from '../../../src/core/schema.js';
import { OPTION_KEYS } from '../../../src/core/schema/checks.js';
import type { EdsegError } from '../../../src/core/errors.js';

type Outcome = { ok: true; value?: unknown } | { ok: false; code: string; field: string | undefined };
const outcome = (fn: () => unknown): Outcome => {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    return { ok: false, code: (e as EdsegError).code, field: (e as EdsegError).field };
  }
};
const same = (a: Outcome, b: Outcome) => {
  expect(a.ok).toBe(b.ok);
  if (!a.ok && !b.ok) expect(a).toEqual(b);
};

const identifier = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/);
const key = fc.oneof(identifier, identifier, fc.string({ maxLength: 70 }), fc.constant('9lives'));
const scalar = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(Number.NaN, Infinity, -Infinity, 0, -0),
  fc.string({ maxLength: 4 }),
  fc.string({ minLength: 250, maxLength: 260 }),
  fc.boolean(),
  fc.constantFrom(null, undefined),
  fc.constant({}),
  fc.constant([1]),
);
const dict = (size: number) => fc.dictionary(key, scalar, { maxKeys: size });
const validDict = (size: number) =>
  fc.dictionary(identifier, fc.oneof(fc.integer(), fc.boolean(), fc.string({ maxLength: 5 })), {
    minKeys: size,
    maxKeys: size,
  });
const propsArb = fc.oneof(
  fc.constant(undefined),
  dict(4),
  validDict(3),
  validDict(32),
  validDict(33),
  scalar,
  fc.array(fc.integer(), { maxLength: 2 }),
);
const purposes = fc.array(
  fc.oneof(
    fc.constantFrom('instruction', 'analytics', 'marketing', 'advertising'),
    fc.string({ maxLength: 3 }),
  ),
  { maxLength: 3 },
);
const text = (max: number) =>
  fc.oneof(fc.string({ maxLength: 3 }), fc.string({ minLength: max - 1, maxLength: max + 1 }), fc.integer());
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const consentArb = fc.oneof(
  fc.record(
    {
      ageBand: maybe(
        fc.oneof(fc.constantFrom('under13', 'teen', 'adult', 'unknown'), fc.string({ maxLength: 3 })),
      ),
      schoolAuthorized: maybe(fc.oneof(fc.boolean(), fc.integer())),
      parental: maybe(
        fc.oneof(
          fc.record(
            {
              verified: fc.oneof(fc.boolean(), fc.constant('yes')),
              method: maybe(text(100)),
              at: maybe(text(40)),
              purposes,
              thirdParty: maybe(purposes),
            },
            { requiredKeys: ['verified', 'purposes'] },
          ),
          scalar,
        ),
      ),
      self: maybe(
        fc.oneof(
          fc.record({ purposes, at: maybe(text(40)) }, { requiredKeys: [] }),
          fc.constant({ purposes: [], x: 1 }),
        ),
      ),
      optOut: maybe(purposes),
      extra: maybe(fc.integer()),
    },
    { requiredKeys: [] },
  ),
  scalar,
);
const jwk = fc.record(
  {
    kty: fc.constantFrom('EC', 'RSA'),
    crv: fc.constantFrom('P-256', 'P-384'),
    x: fc.oneof(fc.constant('AbC'), fc.constant(''), fc.integer()),
    y: fc.constant('dEf'),
    kid: fc.oneof(fc.constant('k1'), fc.constant('')),
    d: maybe(fc.constant('secret')),
    use: maybe(fc.constant('sig')),
  },
  { requiredKeys: ['kty', 'crv', 'x', 'y'] },
);
const goodJwk = { kty: 'EC', crv: 'P-256', x: 'AbC', y: 'dEf', kid: 'k1' };
const optionsArb = fc.record(
  {
    site: fc.oneof(identifier, key, fc.integer()),
    manifestUrl: fc.oneof(fc.constant('/m'), fc.constant(''), fc.integer()),
    collectorUrl: fc.oneof(fc.constant('https://c.example/v1/reports'), fc.constant('')),
    publicKeys: fc.oneof(fc.constant([goodJwk]), fc.array(jwk, { maxLength: 2 }), fc.constant(goodJwk)),
    workerUrl: maybe(fc.oneof(fc.constant('/w.js'), fc.constant(''))),
    consent: maybe(consentArb),
    timeoutMs: maybe(fc.oneof(fc.integer({ min: 0, max: 20_000 }), fc.double({ min: 100, max: 200 }))),
    reportIntervalMs: maybe(fc.integer({ min: 0, max: 5000 })),
    maxEpsilonPerReport: maybe(fc.oneof(fc.double({ min: -1, max: 9 }), fc.constant(Number.NaN))),
    maxEpsilonWindow: maybe(fc.double({ min: -1, max: 40 })),
    debug: maybe(fc.oneof(fc.boolean(), fc.constant('yes'))),
    unknownOption: maybe(fc.integer()),
  },
  { requiredKeys: ['site', 'manifestUrl', 'collectorUrl', 'publicKeys'] },
);

const runs = { numRuns: 2000 };

describe('the main-thread checks agree with their zod schemas', () => {
  it('checkOptions keeps exactly the keys SegmenterOptions declares (a new option reaches the worker)', () => {
    expect([...OPTION_KEYS].sort()).toEqual(Object.keys(SegmenterOptions.shape).sort());
  });

  it('checkEvent is EventInput for track(type, props)', () => {
    fc.assert(
      fc.property(fc.oneof(key, scalar), propsArb, (type, props) => {
        same(
          outcome(() => checkEvent(type, props)),
          outcome(
            () => void parseOrThrow(EventInput, props === undefined ? { type } : { type, props }, 'event'),
          ),
        );
      }),
      runs,
    );
  });

  it('a `__proto__` key is dropped by the record checks as z.record drops it (found by fast-check, seed -1962912)', () => {
    const prefs = JSON.parse('{"__proto__":"","level":"b1"}') as unknown;
    same(
      outcome(() => checkDeclared(prefs)),
      outcome(() => parseOrThrow(Declared, prefs, 'prefs')),
    );
    expect(checkDeclared(prefs)).toEqual({ level: 'b1' });
    const props = JSON.parse('{"__proto__":1,"b":2}') as unknown;
    expect(checkEvent('a', props)).toEqual(parseOrThrow(EventInput, { type: 'a', props }, 'event').props);
  });

  it('checkDeclared is Declared', () => {
    fc.assert(
      fc.property(fc.oneof(fc.dictionary(key, text(128), { maxKeys: 3 }), scalar), (prefs) => {
        same(
          outcome(() => checkDeclared(prefs)),
          outcome(() => parseOrThrow(Declared, prefs, 'prefs')),
        );
      }),
      runs,
    );
  });

  it('checkConsent is ConsentInput', () => {
    fc.assert(
      fc.property(consentArb, (c) => {
        same(
          outcome(() => checkConsent(c)),
          outcome(() => parseOrThrow(ConsentInput, c, 'consent')),
        );
      }),
      runs,
    );
  });

  it('checkOptions is SegmenterOptions, unknown keys stripped alike', () => {
    fc.assert(
      fc.property(optionsArb, (o) => {
        const mine = outcome(() => checkOptions(o));
        const zods = outcome(() => parseOrThrow(SegmenterOptions, o, 'options'));
        same(mine, zods);
        if (mine.ok && zods.ok)
          expect(Object.keys(mine.value as object).sort()).toEqual(Object.keys(zods.value as object).sort());
      }),
      runs,
    );
  });

  it('names the field as the existing callers expect', () => {
    expect(outcome(() => checkEvent('practice_session', { minutes: Number.NaN }))).toEqual({
      ok: false,
      code: 'invalid-input',
      field: 'event.props.minutes',
    });
    expect(
      outcome(() =>
        checkOptions({ site: 's', manifestUrl: '/m', collectorUrl: '/c', publicKeys: [{ kty: 'RSA' }] }),
      ),
    ).toMatchObject({
      field: 'options.publicKeys.0.kty',
    });
  });
});
