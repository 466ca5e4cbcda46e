import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { consentArb } from '../../fixtures/arbitraries.js';
import { testFeature } from '../../fixtures/manifest.js';
import {
  decide,
  modelChannel,
  partialClearModels,
  purposeAllowed,
  segmentContexts,
  type SegmentContext,
} from '../../../src/core/policy.js';
import {
  AGE_BANDS,
  PURPOSES,
  REASON_CODES,
  type AgeBand,
  type Consent,
  type Model,
  type Purpose,
  type ReasonCode,
  type SitePolicy,
} from '../../../src/core/schema.js';

const everywhere: SitePolicy = { allowed: ['seg'], clear: [] };
const inClear: SitePolicy = { allowed: ['seg'], clear: ['seg'] };
const nowhere: SitePolicy = { allowed: [], clear: [] };

const segment = (over: Partial<SegmentContext> = {}): SegmentContext => ({
  id: 'seg',
  model: 'm',
  purpose: 'instruction',
  minAgeBand: 'under13',
  usesEducationRecord: false,
  modelSegments: ['seg'],
  ...over,
});
const others = (p: Purpose): Purpose[] => PURPOSES.filter((q) => q !== p);
const first = (
  consent: Consent | null,
  seg: SegmentContext,
  policy: SitePolicy = everywhere,
): ReasonCode | undefined => decide(consent, seg, policy).reasons[0];

/** Every purpose a child, a teen or an adult may give, for the rules that need consent to pass. */
const fullConsent = (ageBand: AgeBand): Consent => ({
  ageBand,
  schoolAuthorized: true,
  parental: { verified: true, purposes: [...PURPOSES] },
  self: { purposes: [...PURPOSES] },
});

// ---------------------------------------------------------------------------------------------
// The basis matrix: each age band x each purpose x each basis, read from COMPLIANCE.md rules 6-8.
// Columns are the purposes in the order instruction, analytics, marketing, advertising.
// ---------------------------------------------------------------------------------------------

type Basis = { name: string; consent: (ageBand: AgeBand, p: Purpose) => Consent };
const BASES: Basis[] = [
  { name: 'no basis at all', consent: (ageBand) => ({ ageBand }) },
  { name: 'school authorisation', consent: (ageBand) => ({ ageBand, schoolAuthorized: true }) },
  {
    name: 'verified parental consent naming the purpose',
    consent: (ageBand, p) => ({ ageBand, parental: { verified: true, method: 'card', purposes: [p] } }),
  },
  {
    name: 'verified parental consent naming every other purpose',
    consent: (ageBand, p) => ({ ageBand, parental: { verified: true, purposes: others(p) } }),
  },
  {
    name: 'unverified parental consent naming the purpose',
    consent: (ageBand, p) => ({ ageBand, parental: { verified: false, purposes: [p] } }),
  },
  {
    name: "the learner's own consent naming the purpose",
    consent: (ageBand, p) => ({ ageBand, self: { purposes: [p] } }),
  },
  {
    name: "the learner's own consent naming every other purpose",
    consent: (ageBand, p) => ({ ageBand, self: { purposes: others(p) } }),
  },
];

const A: ReasonCode = 'allowed';
const PC: ReasonCode = 'coppa-parental-consent';
const SC: ReasonCode = 'coppa-separate-consent';
const NB: ReasonCode = 'no-basis';
type Row = [ReasonCode, ReasonCode, ReasonCode, ReasonCode];
const CHILD: Record<string, Row> = {
  'no basis at all': [PC, PC, SC, SC],
  'school authorisation': [A, A, SC, SC],
  'verified parental consent naming the purpose': [A, A, A, A],
  'verified parental consent naming every other purpose': [PC, PC, SC, SC],
  'unverified parental consent naming the purpose': [PC, PC, SC, SC],
  "the learner's own consent naming the purpose": [PC, PC, SC, SC],
  "the learner's own consent naming every other purpose": [PC, PC, SC, SC],
};
const OLDER: Record<string, Row> = {
  'no basis at all': [NB, NB, NB, NB],
  'school authorisation': [A, A, NB, NB],
  'verified parental consent naming the purpose': [NB, NB, NB, NB],
  'verified parental consent naming every other purpose': [NB, NB, NB, NB],
  'unverified parental consent naming the purpose': [NB, NB, NB, NB],
  "the learner's own consent naming the purpose": [A, A, A, A],
  "the learner's own consent naming every other purpose": [NB, NB, NB, NB],
};
const MATRIX: Record<AgeBand, Record<string, Row>> = {
  under13: CHILD,
  unknown: CHILD,
  teen: OLDER,
  adult: OLDER,
};

const basisCases = AGE_BANDS.flatMap((ageBand) =>
  BASES.flatMap((basis) =>
    PURPOSES.map((purpose, i) => ({
      ageBand,
      basis: basis.name,
      purpose,
      consent: basis.consent(ageBand, purpose),
      expected: MATRIX[ageBand][basis.name]![i]!,
    })),
  ),
);

describe('the basis for each age band, purpose and kind of consent (rules 6, 7, 8)', () => {
  it.each(basisCases)(
    'a learner aged $ageBand with $basis: $purpose is decided $expected',
    ({ consent, purpose, expected }) => {
      expect(decide(consent, segment({ purpose }), everywhere).reasons[0]).toBe(expected);
    },
  );
  it.each(basisCases)(
    'purposeAllowed agrees for a learner aged $ageBand with $basis and $purpose',
    ({ consent, purpose, expected }) => {
      expect(purposeAllowed(consent, purpose)).toEqual({ allowed: expected === 'allowed', reason: expected });
    },
  );
  it.each(PURPOSES)('a record without an age band is treated as a child of unknown age for %s', (purpose) => {
    for (const basis of BASES) {
      const { ageBand: _, ...noAge } = basis.consent('unknown', purpose);
      expect(first(noAge, segment({ purpose }))).toBe(
        first(basis.consent('under13', purpose), segment({ purpose })),
      );
    }
  });
});

// ---------------------------------------------------------------------------------------------
// One spec per rule
// ---------------------------------------------------------------------------------------------

describe('rule 1: no consent record', () => {
  it('releases nothing and reports nothing, naming only no-consent', () => {
    expect(decide(null, segment(), inClear)).toEqual({
      release: false,
      channel: 'none',
      reasons: ['no-consent'],
    });
  });
  it('names only no-consent even where the site policy would also deny', () => {
    expect(decide(null, segment(), nowhere).reasons).toEqual(['no-consent']);
  });
  it('makes no purpose allowed, analytics included', () => {
    for (const p of PURPOSES)
      expect(purposeAllowed(null, p)).toEqual({ allowed: false, reason: 'no-consent' });
  });
});

describe('rule 2: opted out', () => {
  it.each(PURPOSES)(
    'withholds a %s segment whose purpose is opted out, whatever else was consented',
    (purpose) => {
      expect(first({ ...fullConsent('adult'), optOut: [purpose] }, segment({ purpose }))).toBe('opted-out');
    },
  );
  it('leaves the other purposes alone', () => {
    expect(
      decide(
        { ...fullConsent('adult'), optOut: ['marketing'] },
        segment({ purpose: 'instruction' }),
        everywhere,
      ).release,
    ).toBe(true);
  });
});

describe('rule 3: the site policy', () => {
  it('withholds a segment the site may not receive, with full consent', () => {
    expect(first(fullConsent('adult'), segment(), nowhere)).toBe('site-not-allowed');
  });
  it('releases a segment the site may receive', () => {
    expect(decide(fullConsent('adult'), segment(), everywhere).release).toBe(true);
  });
});

describe('rule 4: Global Privacy Control', () => {
  it("withholds an advertising segment when gpc is set, even with the learner's consent", () => {
    expect(first({ ...fullConsent('adult'), gpc: true }, segment({ purpose: 'advertising' }))).toBe('gpc');
  });
  it.each(others('advertising'))('does not touch a %s segment', (purpose) => {
    expect(decide({ ...fullConsent('adult'), gpc: true }, segment({ purpose }), everywhere).release).toBe(
      true,
    );
  });
  it('does not deny when gpc is false', () => {
    expect(
      decide({ ...fullConsent('adult'), gpc: false }, segment({ purpose: 'advertising' }), everywhere)
        .release,
    ).toBe(true);
  });
});

describe('rule 5: education records (FERPA)', () => {
  it.each(['marketing', 'advertising'] as const)(
    'withholds a %s segment whose model reads an education record, even for a consenting adult',
    (purpose) => {
      expect(first(fullConsent('adult'), segment({ purpose, usesEducationRecord: true }))).toBe(
        'ferpa-education-record',
      );
    },
  );
  it.each(['instruction', 'analytics'] as const)(
    'releases a %s segment that reads an education record',
    (purpose) => {
      expect(
        decide(fullConsent('adult'), segment({ purpose, usesEducationRecord: true }), everywhere).release,
      ).toBe(true);
    },
  );
});

describe("rule 9: the segment's minimum age band", () => {
  const cases: { learner: AgeBand; min: 'under13' | 'teen' | 'adult'; expected: ReasonCode }[] = [
    { learner: 'under13', min: 'under13', expected: 'allowed' },
    { learner: 'under13', min: 'teen', expected: 'age' },
    { learner: 'under13', min: 'adult', expected: 'age' },
    { learner: 'unknown', min: 'under13', expected: 'allowed' },
    { learner: 'unknown', min: 'teen', expected: 'age' },
    { learner: 'unknown', min: 'adult', expected: 'age' },
    { learner: 'teen', min: 'under13', expected: 'allowed' },
    { learner: 'teen', min: 'teen', expected: 'allowed' },
    { learner: 'teen', min: 'adult', expected: 'age' },
    { learner: 'adult', min: 'under13', expected: 'allowed' },
    { learner: 'adult', min: 'teen', expected: 'allowed' },
    { learner: 'adult', min: 'adult', expected: 'allowed' },
  ];
  it.each(cases)(
    'a learner aged $learner and a segment for $min and up: $expected',
    ({ learner, min, expected }) => {
      expect(first(fullConsent(learner), segment({ minAgeBand: min }))).toBe(expected);
    },
  );
  it('treats a record without an age band as under 13', () => {
    const { ageBand: _, ...noAge } = fullConsent('unknown');
    expect(first(noAge, segment({ minAgeBand: 'teen' }))).toBe('age');
  });
});

// ---------------------------------------------------------------------------------------------
// Precedence: the first rule that denies decides; the later ones follow it
// ---------------------------------------------------------------------------------------------

describe('rule precedence', () => {
  it('opted-out beats site-not-allowed', () => {
    expect(first({ ...fullConsent('adult'), optOut: ['instruction'] }, segment(), nowhere)).toBe('opted-out');
  });
  it('site-not-allowed beats gpc', () => {
    expect(first({ ...fullConsent('adult'), gpc: true }, segment({ purpose: 'advertising' }), nowhere)).toBe(
      'site-not-allowed',
    );
  });
  it('gpc beats ferpa-education-record', () => {
    expect(
      first(
        { ...fullConsent('adult'), gpc: true },
        segment({ purpose: 'advertising', usesEducationRecord: true }),
      ),
    ).toBe('gpc');
  });
  it('ferpa-education-record beats coppa-separate-consent', () => {
    expect(first({ ageBand: 'under13' }, segment({ purpose: 'marketing', usesEducationRecord: true }))).toBe(
      'ferpa-education-record',
    );
  });
  it('coppa-separate-consent beats age', () => {
    expect(first({ ageBand: 'under13' }, segment({ purpose: 'marketing', minAgeBand: 'teen' }))).toBe(
      'coppa-separate-consent',
    );
  });
  it('coppa-parental-consent beats age', () => {
    expect(first({ ageBand: 'unknown' }, segment({ purpose: 'instruction', minAgeBand: 'adult' }))).toBe(
      'coppa-parental-consent',
    );
  });
  it('no-basis beats age', () => {
    expect(first({ ageBand: 'teen' }, segment({ purpose: 'instruction', minAgeBand: 'adult' }))).toBe(
      'no-basis',
    );
  });
  it('lists every rule that denies, in rule order, after the one that decided', () => {
    const consent: Consent = { ageBand: 'under13', gpc: true, optOut: ['advertising'] };
    const seg = segment({ purpose: 'advertising', usesEducationRecord: true, minAgeBand: 'adult' });
    expect(decide(consent, seg, nowhere).reasons).toEqual([
      'opted-out',
      'site-not-allowed',
      'gpc',
      'ferpa-education-record',
      'coppa-separate-consent',
      'age',
    ]);
  });
  it('says exactly allowed for a released segment', () => {
    expect(decide(fullConsent('teen'), segment(), everywhere).reasons).toEqual(['allowed']);
  });
});

// ---------------------------------------------------------------------------------------------
// The channel to the collector
// ---------------------------------------------------------------------------------------------

describe('the collector channel', () => {
  const adultSelf = (purposes: Purpose[]): Consent => ({ ageBand: 'adult', self: { purposes } });
  it('is none for a released segment when analytics is not allowed', () => {
    expect(decide(adultSelf(['instruction']), segment(), inClear)).toEqual({
      release: true,
      channel: 'none',
      reasons: ['allowed'],
    });
  });
  it('is none for a released segment when analytics is opted out', () => {
    expect(decide({ ...fullConsent('adult'), optOut: ['analytics'] }, segment(), inClear).channel).toBe(
      'none',
    );
  });
  it('is ldp for a released segment the site may not report in clear', () => {
    expect(decide(adultSelf(['instruction', 'analytics']), segment(), everywhere).channel).toBe('ldp');
  });
  it('is clear for a released segment the site may report in clear, for a consenting adult', () => {
    expect(decide(adultSelf(['instruction', 'analytics']), segment(), inClear).channel).toBe('clear');
  });
  it('is clear for a consenting teen when the school authorised the learner and the site allows clear', () => {
    expect(decide({ ageBand: 'teen', schoolAuthorized: true }, segment(), inClear).channel).toBe('clear');
  });
  it('is ldp, never clear, for a child whom only the school authorised', () => {
    expect(decide({ ageBand: 'under13', schoolAuthorized: true }, segment(), inClear)).toEqual({
      release: true,
      channel: 'ldp',
      reasons: ['allowed'],
    });
  });
  it('is ldp for a child of unknown age whose parent named instruction and analytics without verification', () => {
    const consent: Consent = {
      ageBand: 'unknown',
      schoolAuthorized: true,
      parental: { verified: false, purposes: ['instruction', 'analytics'] },
    };
    expect(decide(consent, segment(), inClear).channel).toBe('ldp');
  });
  it('is clear for a child whose verified parental consent names analytics', () => {
    const consent: Consent = {
      ageBand: 'under13',
      parental: { verified: true, purposes: ['instruction', 'analytics'] },
    };
    expect(decide(consent, segment(), inClear).channel).toBe('clear');
  });
  it('is ldp for a child whose verified parental consent names instruction only, with school authorisation for analytics', () => {
    const consent: Consent = {
      ageBand: 'under13',
      schoolAuthorized: true,
      parental: { verified: true, purposes: ['instruction'] },
    };
    expect(decide(consent, segment(), inClear).channel).toBe('ldp');
  });
  it('is none for a withheld segment even when analytics is allowed and the site allows clear', () => {
    expect(
      decide({ ...fullConsent('adult'), optOut: ['marketing'] }, segment({ purpose: 'marketing' }), inClear)
        .channel,
    ).toBe('none');
  });
  it("is the model's ldp channel for a segment the site withholds, so the report's shape does not tell it", () => {
    const policy: SitePolicy = { allowed: ['other'], clear: [] };
    const seg = segment({ modelSegments: ['seg', 'other'] });
    expect(decide(fullConsent('adult'), seg, policy)).toEqual({
      release: false,
      channel: 'ldp',
      reasons: ['site-not-allowed'],
    });
    expect(
      decide(fullConsent('adult'), segment({ id: 'other', modelSegments: ['seg', 'other'] }), policy).channel,
    ).toBe('ldp');
  });
  it("is the model's channel for a segment above the learner's age band", () => {
    // The one segment of this model is for adults: the teen is reported on ldp, and not released.
    const d = decide(
      fullConsent('teen'),
      segment({ minAgeBand: 'adult', modelMinAgeBand: 'adult' }),
      inClear,
    );
    expect(d).toEqual({ release: false, channel: 'ldp', reasons: ['age'] });
  });
  it("is ldp, not clear, for a learner too young for one of the model's segments, whichever segment they are in", () => {
    const model = { modelSegments: ['seg', 'older'], modelMinAgeBand: 'adult' as const };
    const policy: SitePolicy = { allowed: ['seg', 'older'], clear: ['seg', 'older'] };
    expect(decide(fullConsent('teen'), segment(model), policy).channel).toBe('ldp');
    expect(
      decide(fullConsent('teen'), segment({ ...model, id: 'older', minAgeBand: 'adult' }), policy).channel,
    ).toBe('ldp');
    expect(decide(fullConsent('adult'), segment(model), policy).channel).toBe('clear');
  });
  it('is none for a model none of whose segments the site may receive', () => {
    expect(decide(fullConsent('adult'), segment(), nowhere).channel).toBe('none');
  });
  it('is none for a commercial model that reads education records (rule 5 is a property of the model)', () => {
    const seg = segment({ purpose: 'marketing', usesEducationRecord: true });
    expect(decide(fullConsent('adult'), seg, everywhere).channel).toBe('none');
  });
  it('is ldp, not clear, for a model the clear list covers only in part', () => {
    const seg = segment({ modelSegments: ['seg', 'other'] });
    expect(decide(fullConsent('adult'), seg, { allowed: ['seg', 'other'], clear: ['seg'] }).channel).toBe(
      'ldp',
    );
  });
  it('is not affected by gpc for a segment that is not advertising', () => {
    expect(decide({ ...fullConsent('adult'), gpc: true }, segment(), inClear).channel).toBe('clear');
  });
});

describe('partialClearModels', () => {
  const model = (id: string, segs: string[]) =>
    ({ id, segments: segs.map((s) => ({ id: s })) }) as unknown as Model;
  it('names each model whose segments the clear list covers only in part', () => {
    const models = [model('pace', ['a', 'b']), model('ads', ['c', 'd']), model('help', ['e'])];
    expect(partialClearModels({ models, policy: { allowed: [], clear: ['a', 'c', 'd'] } })).toEqual([
      { model: 'pace', inClear: ['a'], notInClear: ['b'] },
    ]);
    expect(partialClearModels({ models, policy: { allowed: [], clear: ['a', 'b', 'e'] } })).toEqual([]);
  });
});

describe('purposeAllowed', () => {
  it('ignores the site policy, education records and minimum age, which belong to segments', () => {
    expect(purposeAllowed({ ageBand: 'under13', schoolAuthorized: true }, 'analytics')).toEqual({
      allowed: true,
      reason: 'allowed',
    });
  });
  it('names gpc for advertising', () => {
    expect(purposeAllowed({ ...fullConsent('adult'), gpc: true }, 'advertising')).toEqual({
      allowed: false,
      reason: 'gpc',
    });
  });
  it('names opted-out first when a purpose is both opted out and without basis', () => {
    expect(purposeAllowed({ ageBand: 'teen', optOut: ['analytics'] }, 'analytics')).toEqual({
      allowed: false,
      reason: 'opted-out',
    });
  });
});

// ---------------------------------------------------------------------------------------------
// segmentContexts: purpose and education records come from the manifest, never typed by hand
// ---------------------------------------------------------------------------------------------

describe('segmentContexts', () => {
  const model = (id: string, purpose: Purpose, features: string[]): Model => ({
    id,
    purpose,
    features,
    kind: 'centroids',
    centroids: [[0], [1]],
    segments: [
      {
        id: `${id}_a`,
        name: 'A',
        minAgeBand: 'under13',
        documentation: { dataSources: [], criteria: '', validation: '', changelog: [] },
      },
      {
        id: `${id}_b`,
        name: 'B',
        minAgeBand: 'teen',
        documentation: { dataSources: [], criteria: '', validation: '', changelog: [] },
      },
    ],
  });
  const manifest = {
    features: [testFeature('lessons_7d'), testFeature('quiz_accuracy_14d', { educationRecord: true })],
    models: [
      model('pace', 'instruction', ['lessons_7d']),
      model('tutoring_upsell', 'marketing', ['lessons_7d', 'quiz_accuracy_14d']),
    ],
  };
  it('lists every segment of every model with its model, purpose and minimum age band', () => {
    expect(
      segmentContexts(manifest).map(({ id, model, purpose, minAgeBand }) => ({
        id,
        model,
        purpose,
        minAgeBand,
      })),
    ).toEqual([
      { id: 'pace_a', model: 'pace', purpose: 'instruction', minAgeBand: 'under13' },
      { id: 'pace_b', model: 'pace', purpose: 'instruction', minAgeBand: 'teen' },
      { id: 'tutoring_upsell_a', model: 'tutoring_upsell', purpose: 'marketing', minAgeBand: 'under13' },
      { id: 'tutoring_upsell_b', model: 'tutoring_upsell', purpose: 'marketing', minAgeBand: 'teen' },
    ]);
  });
  it('marks a segment as using education records when any feature its model reads is one', () => {
    expect(segmentContexts(manifest).map((s) => [s.id, s.usesEducationRecord])).toEqual([
      ['pace_a', false],
      ['pace_b', false],
      ['tutoring_upsell_a', true],
      ['tutoring_upsell_b', true],
    ]);
  });
  it('feeds rule 5, so a marketing model reading quiz accuracy is withheld from a consenting adult', () => {
    const upsell = segmentContexts(manifest).find((s) => s.id === 'tutoring_upsell_a')!;
    expect(first(fullConsent('adult'), upsell, { allowed: ['tutoring_upsell_a'], clear: [] })).toBe(
      'ferpa-education-record',
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Properties over arbitrary consent records, segments and site policies
// ---------------------------------------------------------------------------------------------

const IDS = ['s1', 's2', 's3'] as const;
const segmentArb: fc.Arbitrary<SegmentContext> = fc.record({
  id: fc.constantFrom(...IDS),
  model: fc.constant('m'),
  purpose: fc.constantFrom(...PURPOSES),
  minAgeBand: fc.constantFrom('under13' as const, 'teen' as const, 'adult' as const),
  usesEducationRecord: fc.boolean(),
  modelSegments: fc.constant([...IDS]),
  modelMinAgeBand: fc.constantFrom('under13' as const, 'teen' as const, 'adult' as const),
});
const policyArb: fc.Arbitrary<SitePolicy> = fc.record({
  allowed: fc.subarray([...IDS]),
  clear: fc.subarray([...IDS]),
});
const maybeConsent = fc.option(consentArb, { nil: null });
const isChild = (c: Consent): boolean =>
  c.ageBand === undefined || c.ageBand === 'under13' || c.ageBand === 'unknown';
const parentNames = (c: Consent, p: Purpose): boolean =>
  c.parental?.verified === true && c.parental.purposes.includes(p);

describe('properties', () => {
  it('never releases a marketing or advertising segment of a child or a learner of unknown age without verified parental consent naming that purpose', () => {
    fc.assert(
      fc.property(consentArb, segmentArb, policyArb, (c, s, p) => {
        if (
          isChild(c) &&
          (s.purpose === 'marketing' || s.purpose === 'advertising') &&
          !parentNames(c, s.purpose)
        ) {
          expect(decide(c, s, p).release).toBe(false);
        }
      }),
    );
  });
  it('never releases a segment whose purpose is opted out', () => {
    fc.assert(
      fc.property(consentArb, segmentArb, policyArb, (c, s, p) => {
        if (c.optOut?.includes(s.purpose)) expect(decide(c, s, p).release).toBe(false);
      }),
    );
  });
  it('never releases a segment outside the site policy', () => {
    fc.assert(
      fc.property(maybeConsent, segmentArb, policyArb, (c, s, p) => {
        if (!p.allowed.includes(s.id)) expect(decide(c, s, p).release).toBe(false);
      }),
    );
  });
  it('never releases anything without a consent record', () => {
    fc.assert(
      fc.property(segmentArb, policyArb, (s, p) => {
        expect(decide(null, s, p)).toEqual({ release: false, channel: 'none', reasons: ['no-consent'] });
      }),
    );
  });
  it('never reports on a channel other than none unless analytics is allowed', () => {
    fc.assert(
      fc.property(maybeConsent, segmentArb, policyArb, (c, s, p) => {
        if (decide(c, s, p).channel !== 'none') expect(purposeAllowed(c, 'analytics').allowed).toBe(true);
      }),
    );
  });
  it("gives every segment of a model the model's channel, whatever the per-segment rules decide", () => {
    fc.assert(
      fc.property(maybeConsent, segmentArb, policyArb, (c, s, p) => {
        const channels = IDS.map((id) => decide(c, { ...s, id }, p).channel);
        expect(new Set(channels).size).toBe(1);
        expect(channels[0]).toBe(modelChannel(c, s, p));
      }),
    );
  });
  it('reports a model only when its own purpose is allowed', () => {
    fc.assert(
      fc.property(maybeConsent, segmentArb, policyArb, (c, s, p) => {
        if (modelChannel(c, s, p) !== 'none') expect(purposeAllowed(c, s.purpose).allowed).toBe(true);
      }),
    );
  });
  it('never reports in clear a segment the site policy does not mark clear', () => {
    fc.assert(
      fc.property(consentArb, segmentArb, policyArb, (c, s, p) => {
        if (decide(c, s, p).channel === 'clear') expect(p.clear).toContain(s.id);
      }),
    );
  });
  it("never reports a child's or unknown-age learner's segment in clear without verified parental consent naming analytics", () => {
    fc.assert(
      fc.property(consentArb, segmentArb, policyArb, (c, s, p) => {
        if (isChild(c) && !parentNames(c, 'analytics')) expect(decide(c, s, p).channel).not.toBe('clear');
      }),
    );
  });
  it('releases exactly when the reasons are allowed, and then nothing else', () => {
    fc.assert(
      fc.property(maybeConsent, segmentArb, policyArb, (c, s, p) => {
        const d = decide(c, s, p);
        if (d.release) expect(d.reasons).toEqual(['allowed']);
        else expect(d.reasons[0]).not.toBe('allowed');
      }),
    );
  });
  it('lists denying reasons without repeats, in the order of the rules', () => {
    fc.assert(
      fc.property(maybeConsent, segmentArb, policyArb, (c, s, p) => {
        const positions = decide(c, s, p).reasons.map((r) => REASON_CODES.indexOf(r));
        expect(positions.every((pos, i) => pos >= 0 && (i === 0 || pos > positions[i - 1]!))).toBe(true);
      }),
    );
  });
  it('releases a segment only when its purpose is allowed on its own', () => {
    fc.assert(
      fc.property(maybeConsent, segmentArb, policyArb, (c, s, p) => {
        if (decide(c, s, p).release) expect(purposeAllowed(c, s.purpose).allowed).toBe(true);
      }),
    );
  });
});
