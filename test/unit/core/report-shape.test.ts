/**
 * PRIVACY.md "The shape rule": for a fixed consent record and manifest, which models have a field
 * in a report, each field's channel and oracle, how many feature dimensions it carries and its
 * epsilon are the same for every learner. Only the noised values differ. Random manifests (models,
 * k, purposes, site policies with whole-model clear lists), random consent records and random
 * learners (one segment per model, any feature vector) go through the SDK's own policy and report
 * builder; the learners' report shapes must be equal.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { consentArb } from '../../fixtures/arbitraries.js';
import { decide, segmentContexts } from '../../../src/core/policy.js';
import { seededRandom } from '../../../src/core/privacy/random.js';
import { buildReport, type ModelAssignment } from '../../../src/core/privacy/report.js';
import {
  PURPOSES,
  type Consent,
  type Manifest,
  type Report,
  type Reporting,
} from '../../../src/core/schema.js';

type MiniManifest = Pick<Manifest, 'features' | 'models' | 'policy'>;

/** 1-3 models of k 2-8 segments each, over two features (one an education record), and a policy. */
const manifestArb: fc.Arbitrary<MiniManifest> = fc
  .array(
    fc.record({
      k: fc.integer({ min: 2, max: 8 }),
      purpose: fc.constantFrom(...PURPOSES),
      readsRecord: fc.boolean(),
      minAges: fc.array(fc.constantFrom('under13' as const, 'teen' as const, 'adult' as const), {
        minLength: 8,
        maxLength: 8,
      }),
      allowed: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
      clear: fc.boolean(),
    }),
    { minLength: 1, maxLength: 3 },
  )
  .map((specs) => {
    const models = specs.map((m, i) => ({
      id: `m${i}`,
      purpose: m.purpose,
      features: m.readsRecord ? ['score', 'visits'] : ['visits'],
      segments: Array.from({ length: m.k }, (_, j) => ({ id: `m${i}s${j}`, minAgeBand: m.minAges[j]! })),
    }));
    const ids = (i: number) => models[i]!.segments.map((s) => s.id);
    return {
      features: [
        { name: 'visits', educationRecord: false },
        { name: 'score', educationRecord: true },
      ],
      models,
      policy: {
        allowed: specs.flatMap((m, i) => ids(i).filter((_, j) => m.allowed[j])),
        clear: specs.flatMap((m, i) => (m.clear ? ids(i) : [])),
      },
    } as unknown as MiniManifest;
  });

const reporting: Reporting = {
  periodDays: 7,
  epsilonSegment: 1,
  epsilonFeatures: 4,
  budget: { windowDays: 28, maxEpsilon: 32 },
  kThreshold: 20,
};

/** Everything about a report but the noised values and the random id. */
function shapeOf(r: Report | null): unknown {
  if (r === null) return null;
  return {
    keys: Object.keys(r).sort(),
    site: r.site,
    version: r.manifestVersion,
    period: r.period,
    epsilon: r.epsilon,
    segments: r.segments.map((f) =>
      f.channel === 'clear'
        ? { model: f.model, channel: f.channel }
        : {
            model: f.model,
            channel: f.channel,
            oracle: f.oracle,
            k: f.k,
            eps: f.eps,
            size: f.oracle === 'oue' ? (f.bits?.length ?? 0) : 1,
          },
    ),
    features: r.features && { eps: r.features.eps, d: r.features.d, dims: r.features.dims.length },
  };
}

/** One learner's report: the learner's segment in each model, the policy's channels, the builder. */
function reportOf(
  manifest: MiniManifest,
  consent: Consent,
  indices: number[],
  features: number[],
  seed: number,
) {
  const contexts = segmentContexts(manifest);
  const assignments: ModelAssignment[] = manifest.models.map((model, i) => {
    const index = indices[i]! % model.segments.length;
    const ctx = contexts.find((c) => c.id === model.segments[index]!.id)!;
    const decision = decide(consent, ctx, manifest.policy);
    return { model: model.id, index, k: model.segments.length, segmentId: ctx.id, channel: decision.channel };
  });
  return buildReport({
    site: 'site',
    manifestVersion: 3,
    period: 20_000,
    assignments,
    features,
    reporting,
    rng: seededRandom(seed),
  });
}

const learnerArb = fc.record({
  indices: fc.array(fc.nat({ max: 7 }), { minLength: 3, maxLength: 3 }),
  features: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 2, maxLength: 2 }),
  seed: fc.nat(),
});

describe('the shape rule', () => {
  it('gives every learner the same report shape for a fixed consent record and manifest', () => {
    fc.assert(
      fc.property(
        manifestArb,
        consentArb,
        fc.array(learnerArb, { minLength: 2, maxLength: 6 }),
        (m, c, ls) => {
          const shapes = ls.map((l) =>
            JSON.stringify(shapeOf(reportOf(m, c, l.indices, l.features, l.seed))),
          );
          expect(new Set(shapes).size).toBe(1);
        },
      ),
      { numRuns: 300 },
    );
  });
  it("the seeded example: an adult's ads field and epsilon do not depend on the ads segment", () => {
    const manifest = {
      features: [{ name: 'visits', educationRecord: false }],
      models: [
        {
          id: 'ads',
          purpose: 'advertising',
          features: ['visits'],
          segments: ['engaged', 'casual', 'general-audience'].map((id) => ({ id, minAgeBand: 'adult' })),
        },
      ],
      policy: { allowed: ['engaged', 'casual'], clear: [] },
    } as unknown as MiniManifest;
    const adult: Consent = { ageBand: 'adult', self: { purposes: [...PURPOSES] } };
    const shapes = [0, 1, 2].map((i) => shapeOf(reportOf(manifest, adult, [i], [0.2], i)));
    expect(shapes[2]).toEqual(shapes[0]);
    expect(shapes[1]).toEqual(shapes[0]);
    expect((shapes[0] as { epsilon: number }).epsilon).toBe(5);
  });
});
