/**
 * proposeRefinement: one damped Lloyd step from the real estimator's output. The population has
 * true centres that differ from the manifest's centroids; learners assign themselves with the
 * published centroids (assignReference, the SDK's own maths) and send reports built by
 * buildReport with a seeded generator, so every estimate below is estimateSite's.
 */
import { describe, expect, it } from 'vitest';
import { EdsegError } from '../../../src/core/errors.js';
import { assignReference, modelInput } from '../../../src/core/model.js';
import { estimateSite } from '../../../src/core/privacy/estimate.js';
import { seededRandom } from '../../../src/core/privacy/random.js';
import { buildReport } from '../../../src/core/privacy/report.js';
import type { Rng } from '../../../src/core/privacy/random.js';
import { DEFAULT_MAX_STEP, applyRefinement, proposeRefinement } from '../../../src/core/refine.js';
import { Manifest, RefinementProposal } from '../../../src/core/schema.js';
import type {
  CentroidModel,
  ModelRefinement,
  Report,
  SegmentRefinement,
  SiteEstimates,
} from '../../../src/core/schema.js';
import { testFeature } from '../../fixtures/manifest.js';

const doc = (id: string) => ({
  dataSources: ['simulated events'],
  criteria: `nearest to the ${id} centroid`,
  validation: 'simulated',
  changelog: [{ version: 1, date: '2025-01-01', change: 'Created.' }],
});
const segment = (id: string) => ({
  id,
  name: `Segment ${id}`,
  minAgeBand: 'under13' as const,
  documentation: doc(id),
});

/** Where learners really are, per model and segment (model feature order). `rare` holds 0.5% of pace learners, too few to publish. */
const TRUTH: Record<string, number[][]> = {
  pace: [
    [0.6, 0.4, -0.2],
    [-0.5, -0.6, 0.3],
    [0.1, 0.5, 0.7],
    [-0.9, 0.9, -0.9],
  ],
  promo: [
    [0.5, -0.5],
    [-0.4, 0.6],
  ],
};
const SHARES: Record<string, number[]> = { pace: [0.4, 0.3, 0.295, 0.005], promo: [0.55, 0.45] };

/** The published centroids: the truth shifted by about 0.35 (the rare segment's is exact). */
const PUBLISHED: Record<string, number[][]> = {
  pace: [
    [0.35, 0.15, -0.05],
    [-0.3, -0.35, 0.05],
    [-0.1, 0.3, 0.45],
    [-0.9, 0.9, -0.9],
  ],
  promo: [
    [0.25, -0.25],
    [-0.15, 0.35],
  ],
};

function makeManifest(reporting: Partial<Manifest['reporting']> = {}): Manifest {
  const models: Manifest['models'] = [
    {
      id: 'pace',
      purpose: 'instruction',
      kind: 'centroids',
      features: ['lessons', 'practice', 'days'],
      segments: ['steady', 'sprinter', 'drifting', 'rare'].map(segment),
      centroids: PUBLISHED.pace!,
    },
    {
      id: 'mastery',
      purpose: 'instruction',
      kind: 'softmax',
      features: ['practice'],
      segments: ['low', 'high'].map(segment),
      weights: [[-2, 2]],
      bias: [0.1, -0.1],
    },
    {
      id: 'promo',
      purpose: 'marketing',
      kind: 'centroids',
      features: ['goal', 'spend'],
      segments: ['keen', 'casual'].map(segment),
      centroids: PUBLISHED.promo!,
    },
  ];
  const ids = models.flatMap((m) => m.segments.map((s) => s.id));
  return Manifest.parse({
    version: 4,
    issuedAt: '2025-06-01T00:00:00.000Z',
    expiresAt: '2025-07-01T00:00:00.000Z',
    site: { id: 'sim-site', origins: ['https://sim.example'] },
    features: ['lessons', 'practice', 'days', 'goal', 'spend'].map((name) => testFeature(name)),
    models,
    policy: { allowed: ids, clear: ['steady', 'sprinter', 'drifting', 'rare'] },
    reporting: {
      periodDays: 7,
      epsilonSegment: 2,
      epsilonFeatures: 4,
      budget: { windowDays: 28, maxEpsilon: 24 },
      kThreshold: 50,
      ...reporting,
    },
    retention: { rawEventDays: 30, rollupDays: 180 },
  });
}

/** One of `weights`' indices, by inverse CDF on one uniform. */
function draw(weights: readonly number[], rng: Rng): number {
  let u = rng.real();
  for (let v = 0; v < weights.length - 1; v++) if ((u -= weights[v] as number) < 0) return v;
  return weights.length - 1;
}
const clampUnit = (x: number) => Math.min(1, Math.max(-1, x));

/**
 * n learners: a pace segment and a promo segment drawn from SHARES (the two models read disjoint
 * features), features at those centres plus U(-0.08, 0.08); each learner assigns itself with the
 * published centroids and reports pace in clear, promo and mastery through LDP. Returns the
 * reports and, per model, the mean of the assigned learners' true inputs (the noise-free Lloyd step).
 */
function simulate(
  manifest: Manifest,
  n: number,
  seed: number,
  features = true,
): { reports: Report[]; lloyd: Record<string, number[][]> } {
  const rng = seededRandom(seed);
  const names = manifest.features.map((f) => f.name);
  const sums: Record<string, { s: number[][]; c: number[] }> = {};
  const reports = Array.from({ length: n }, () => {
    const p = TRUTH.pace![draw(SHARES.pace!, rng)]!;
    const q = TRUTH.promo![draw(SHARES.promo!, rng)]!;
    const x = [...p, ...q].map((c) => clampUnit(c + 0.16 * rng.real() - 0.08));
    const assignments = manifest.models.map((m) => {
      const input = modelInput(m, names, x);
      const index = assignReference(m, input).index;
      const acc = (sums[m.id] ??= {
        s: m.segments.map(() => m.features.map(() => 0)),
        c: m.segments.map(() => 0),
      });
      input.forEach((xi, j) => {
        acc.s[index]![j]! += xi;
      });
      acc.c[index]! += 1;
      return {
        model: m.id,
        index,
        k: m.segments.length,
        segmentId: m.segments[index]!.id,
        channel: m.id === 'pace' ? ('clear' as const) : ('ldp' as const),
      };
    });
    return buildReport({
      site: manifest.site.id,
      manifestVersion: manifest.version,
      period: 20_000,
      assignments,
      features: features ? x : null,
      reporting: manifest.reporting,
      rng,
    })!;
  });
  const lloyd = Object.fromEntries(
    Object.entries(sums).map(([id, { s, c }]) => [id, s.map((row, v) => row.map((t) => t / (c[v] || 1)))]),
  );
  return { reports, lloyd };
}

const dist = (a: readonly number[], b: readonly number[]) =>
  Math.hypot(...a.map((x, j) => x - (b[j] as number)));
const NOW = new Date('2025-06-09T12:00:00Z');
const manifest = makeManifest();
const { reports, lloyd } = simulate(manifest, 6000, 42);
const estimates = estimateSite(manifest, reports, { now: NOW });
const proposal = proposeRefinement(manifest, estimates);

const centroidModel = (p: RefinementProposal, id: string) => {
  const m = p.models.find((x) => x.model === id);
  if (!m?.refinable) throw new Error(`${id} is not a refinable model of the proposal`);
  return m;
};
const moved = (p: RefinementProposal): SegmentRefinement[] =>
  p.models.flatMap((m) => (m.refinable ? m.segments.filter((s) => s.skipped === null) : []));
const centroidsOf = (m: Manifest, id: string) =>
  (m.models.find((x) => x.id === id) as CentroidModel).centroids;

describe('the simulated population', () => {
  it('assigns learners with the published centroids so that each segment holds one true cluster', () => {
    // The premise of the tests below: the noise-free Lloyd target of every busy segment is its true centre.
    for (const id of ['pace', 'promo']) {
      TRUTH[id]!.forEach((centre, v) => {
        if (SHARES[id]![v]! >= 0.1) expect(dist(lloyd[id]![v]!, centre)).toBeLessThan(0.12);
      });
    }
  });
});

describe('proposeRefinement on the estimates of a population whose centres differ from the manifest', () => {
  it('moves every centroid it does not skip closer to the true centre', () => {
    const segments = moved(proposal);
    expect(segments.map((s) => s.id)).toEqual(['steady', 'sprinter', 'drifting', 'keen', 'casual']);
    for (const m of ['pace', 'promo']) {
      centroidModel(proposal, m).segments.forEach((s, v) => {
        if (s.skipped) return;
        expect(dist(s.proposed, TRUTH[m]![v]!), `${s.id}`).toBeLessThan(dist(s.old, TRUTH[m]![v]!));
      });
    }
  });

  it('moves every centroid closer to the noise-free Lloyd step (the mean of the learners assigned to it)', () => {
    for (const m of ['pace', 'promo']) {
      centroidModel(proposal, m).segments.forEach((s, v) => {
        if (!s.skipped)
          expect(dist(s.proposed, lloyd[m]![v]!), `${s.id}`).toBeLessThan(dist(s.old, lloyd[m]![v]!));
      });
    }
  });

  it("proposes as the target the estimated per-segment means of the model's features, clamped to [-1, 1]", () => {
    const pace = centroidModel(proposal, 'pace');
    const est = estimates.models.find((m) => m.model === 'pace')!;
    pace.segments
      .filter((s) => !s.skipped)
      .forEach((s) => {
        const cell = est.segments.find((x) => x.id === s.id)!;
        const means = pace.features.map(
          (f) => cell.featureMeans.find((x) => x.feature === f)!.estimate!.value,
        );
        expect(s.target).toEqual(means.map((x) => Math.min(1, Math.max(-1, x))));
      });
  });

  it('moves a centroid at most maxStep (0.5 by default), up to the target when it is nearer', () => {
    expect(proposal.maxStep).toBe(DEFAULT_MAX_STEP);
    for (const s of moved(proposal)) {
      expect(s.movement).toBeLessThanOrEqual(DEFAULT_MAX_STEP);
      expect(s.movement).toBeCloseTo(dist(s.proposed, s.old), 12);
      if (!s.damped) expect(dist(s.proposed, s.target!)).toBeLessThanOrEqual(1e-4 * Math.sqrt(s.old.length));
    }
  });

  it('stops a damped centroid at maxStep along the line to its target', () => {
    const small = proposeRefinement(manifest, estimates, { maxStep: 0.1 });
    const segments = moved(small);
    expect(segments.length).toBe(5);
    for (const s of segments) {
      expect(s.damped).toBe(true);
      expect(s.movement).toBeLessThanOrEqual(0.1);
      expect(s.movement).toBeGreaterThan(0.1 - 1e-4 * Math.sqrt(s.old.length));
      // on the line from old to target: the step and the direction to the target are parallel
      const step = s.proposed.map((p, j) => p - s.old[j]!);
      const dir = s.target!.map((t, j) => t - s.old[j]!);
      const cos = step.reduce((a, x, j) => a + x * dir[j]!, 0) / (Math.hypot(...step) * Math.hypot(...dir));
      expect(cos).toBeGreaterThan(0.999);
    }
  });

  it("keeps the suppressed segment's centroid and says why", () => {
    const rare = centroidModel(proposal, 'pace').segments.find((s) => s.id === 'rare')!;
    expect(estimates.models[0]!.segments[3]!.suppressed).toBe(true);
    expect(rare).toMatchObject({
      proposed: PUBLISHED.pace![3],
      movement: 0,
      target: null,
      share: null,
      skipped: { reason: 'suppressed' },
    });
  });

  it('skips a segment whose support is under minSupport, keeping its centroid', () => {
    const casual = estimates.models
      .find((m) => m.model === 'promo')!
      .segments.find((s) => s.id === 'casual')!;
    const p = proposeRefinement(manifest, estimates, { minSupport: casual.support + 1 });
    const line = centroidModel(p, 'promo').segments.find((s) => s.id === 'casual')!;
    expect(line).toMatchObject({
      proposed: PUBLISHED.promo![1],
      movement: 0,
      skipped: { reason: 'under-min-support' },
    });
    expect(line.share).toEqual(casual.share);
  });

  it('skips every segment whose means are withheld (no report carried features), and changes nothing', () => {
    const { reports: bare } = simulate(manifest, 1000, 7, false);
    const p = proposeRefinement(manifest, estimateSite(manifest, bare, { now: NOW }));
    const lines = p.models.flatMap((m) => (m.refinable ? m.segments : []));
    expect(
      lines
        .filter((s) => s.id !== 'rare')
        .every((s) => s.skipped?.reason === 'means-withheld' && s.share !== null),
    ).toBe(true);
    expect(p.changedModels).toEqual([]);
    expect(p.manifest.models).toEqual(manifest.models);
  });

  it('skips one segment whose single feature mean is null, naming the feature', () => {
    const holed: SiteEstimates = structuredClone(estimates);
    holed.models[2]!.segments[0]!.featureMeans[4]!.estimate = null; // promo "keen", feature "spend"
    const line = centroidModel(proposeRefinement(manifest, holed), 'promo').segments[0]!;
    expect(line.skipped?.reason).toBe('means-withheld');
    expect(line.skipped?.detail).toContain('spend');
    expect(line.proposed).toEqual(PUBLISHED.promo![0]);
  });

  it('clamps a target outside [-1, 1] (LDP means can fall outside) into the cube', () => {
    const wild: SiteEstimates = structuredClone(estimates);
    const cell = wild.models[0]!.segments[0]!; // pace "steady"
    cell.featureMeans[0]!.estimate!.value = 1.7;
    cell.featureMeans[1]!.estimate!.value = -1.4;
    const line = centroidModel(proposeRefinement(manifest, wild, { maxStep: 10 }), 'pace').segments[0]!;
    expect(line.target!.slice(0, 2)).toEqual([1, -1]);
    expect(line.proposed.every((x) => x >= -1 && x <= 1)).toBe(true);
    expect(line.proposed.slice(0, 2)).toEqual([1, -1]);
  });

  it('lists softmax models as not refinable and never changes their weights or bias', () => {
    const mastery = proposal.models.find((m) => m.model === 'mastery') as Extract<
      ModelRefinement,
      { kind: 'softmax' }
    >;
    expect(mastery).toMatchObject({ kind: 'softmax', refinable: false });
    expect(mastery.reason).toMatch(/softmax/);
    expect(proposal.manifest.models[1]).toEqual(manifest.models[1]);
    expect(() => applyRefinement(manifest, proposal, { models: ['mastery'], date: '2025-06-09' })).toThrow(
      expect.objectContaining({ field: 'models.0' }),
    );
  });

  it('returns a RefinementProposal exactly as schema.ts declares it (what GET /admin/api/sites/:site/refinement sends)', () => {
    const parsed = RefinementProposal.safeParse(proposal);
    expect(parsed.error?.issues ?? []).toEqual([]);
    expect(parsed.data).toEqual(proposal);
  });

  it("carries each cell's share with its interval, its support, and the reports behind each model", () => {
    for (const m of ['pace', 'promo']) {
      const line = centroidModel(proposal, m);
      const est = estimates.models.find((x) => x.model === m)!;
      expect(line.reports).toEqual({ ...est.n, total: est.n.clear + est.n.ldp });
      line.segments.forEach((s, v) => {
        expect(s.share).toEqual(est.segments[v]!.share);
        expect(s.support).toBe(est.segments[v]!.support);
      });
    }
    expect(centroidModel(proposal, 'pace').reports).toEqual({ clear: 6000, ldp: 0, total: 6000 });
    expect(proposal.reports).toBe(6000);
  });
});

describe('the proposed manifest', () => {
  it("passes the Manifest schema as version + 1, dates still the base's for the publisher to set", () => {
    const parsed = Manifest.safeParse(proposal.manifest);
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    expect(proposal.manifest.version).toBe(manifest.version + 1);
    expect(proposal).toMatchObject({ baseVersion: 4, version: 5 });
    expect([proposal.manifest.issuedAt, proposal.manifest.expiresAt]).toEqual([
      manifest.issuedAt,
      manifest.expiresAt,
    ]);
  });

  it('holds the proposed centroids of every changed model', () => {
    expect(proposal.changedModels).toEqual(['pace', 'promo']);
    for (const m of ['pace', 'promo'])
      expect(centroidsOf(proposal.manifest, m)).toEqual(
        centroidModel(proposal, m).segments.map((s) => s.proposed),
      );
  });

  it("changes nothing but centroids and the moved segments' changelogs", () => {
    const { models: a, version: va, ...restA } = proposal.manifest;
    const { models: b, version: vb, ...restB } = manifest;
    expect(restA).toEqual(restB);
    expect(va).toBe(vb + 1);
    const strip = (ms: Manifest['models']) =>
      ms.map((m) => ({
        ...m,
        ...(m.kind === 'centroids' ? { centroids: null } : {}),
        segments: m.segments.map((s) => ({
          ...s,
          documentation: { ...s.documentation, changelog: s.documentation.changelog.slice(0, 1) },
        })),
      }));
    expect(strip(a)).toEqual(strip(b));
  });

  it('appends a changelog entry to each moved segment only, naming the reports and the movement', () => {
    for (const m of ['pace', 'promo']) {
      const line = centroidModel(proposal, m);
      const model = proposal.manifest.models.find((x) => x.id === m)!;
      model.segments.forEach((s, v) => {
        const l = line.segments[v]!;
        if (l.movement > 0) {
          expect(s.documentation.changelog.slice(1)).toEqual([
            {
              version: 5,
              date: '2025-06-09',
              change: `centroid refined from ${line.reports.total} reports (moved by ${l.movement.toFixed(4)})`,
            },
          ]);
        } else {
          expect(s.documentation.changelog).toHaveLength(1);
        }
      });
    }
  });

  it('keeps every proposed coordinate in [-1, 1] with at most 4 decimals', () => {
    for (const s of moved(proposal)) {
      for (const x of s.proposed) {
        expect(Math.abs(x)).toBeLessThanOrEqual(1);
        expect(Math.abs(x * 1e4 - Math.round(x * 1e4))).toBeLessThan(1e-6);
      }
    }
  });

  it('applies only the models asked for', () => {
    const only = applyRefinement(manifest, proposal, { models: ['promo'], date: '2025-06-09' });
    expect(centroidsOf(only, 'pace')).toEqual(PUBLISHED.pace);
    expect(centroidsOf(only, 'promo')).toEqual(centroidsOf(proposal.manifest, 'promo'));
    expect(() =>
      applyRefinement(manifest, proposal, { models: ['promo', 'nope'], date: '2025-06-09' }),
    ).toThrow(expect.objectContaining({ field: 'models.1' }));
  });
});

describe('proposeRefinement refuses', () => {
  it('estimates of another manifest version, naming the field', () => {
    const other = Manifest.parse({ ...manifest, version: 5 });
    expect(() => proposeRefinement(other, estimates)).toThrow(EdsegError);
    expect(() => proposeRefinement(other, estimates)).toThrow(
      expect.objectContaining({ field: 'estimates.manifestVersion' }),
    );
  });

  it('estimates of another site, naming the field', () => {
    expect(() => proposeRefinement(manifest, { ...estimates, site: 'elsewhere' })).toThrow(
      expect.objectContaining({ field: 'estimates.site' }),
    );
  });

  it('a maxStep that is not positive, naming the field', () => {
    for (const maxStep of [0, -1, Number.NaN])
      expect(() => proposeRefinement(manifest, estimates, { maxStep })).toThrow(
        expect.objectContaining({ field: 'maxStep' }),
      );
  });
});
