import { describe, expect, it } from 'vitest';
import { duchiBound } from '../../../src/core/privacy/duchi.js';
import { GRID_CELLS } from '../../../src/core/privacy/grid.js';
import { piecewiseBound, piecewiseCellValue } from '../../../src/core/privacy/piecewise.js';
import { seededRandom } from '../../../src/core/privacy/random.js';
import { buildReport, type ModelAssignment } from '../../../src/core/privacy/report.js';
import { sampledDimensions } from '../../../src/core/privacy/vector.js';
import { Report, type Reporting } from '../../../src/core/schema.js';

const reporting: Reporting = {
  periodDays: 7,
  epsilonSegment: 1.5,
  epsilonFeatures: 3,
  budget: { windowDays: 30, maxEpsilon: 10 },
  kThreshold: 50,
};
const base = { site: 'lingua-kids', manifestVersion: 4, period: 20_000 };
const clear: ModelAssignment = { model: 'engagement', index: 1, k: 3, segmentId: 'steady', channel: 'clear' };
const ldpSmall: ModelAssignment = { model: 'pace', index: 2, k: 4, segmentId: 'fast', channel: 'ldp' };
const ldpLarge: ModelAssignment = { model: 'topics', index: 7, k: 30, segmentId: 'topic7', channel: 'ldp' };
const none: ModelAssignment = { model: 'ads', index: 0, k: 2, segmentId: 'x', channel: 'none' };

function build(
  assignments: ModelAssignment[],
  features: number[] | null,
  r: Reporting = reporting,
  seed = 1,
) {
  return buildReport({ ...base, assignments, features, reporting: r, rng: seededRandom(seed) });
}

describe('buildReport', () => {
  it('builds reports that pass Report.safeParse for every mix of channels and features', () => {
    const mixes = [[clear], [ldpSmall], [ldpLarge], [clear, ldpSmall, ldpLarge, none], [none]];
    for (const assignments of mixes) {
      for (const features of [null, [0.5, -1, 1, 0]]) {
        const report = build(assignments, features);
        if (report === null) continue;
        const parsed = Report.safeParse(report);
        expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
      }
    }
  });

  it('has exactly the fields of the schema, and no feature field when there are no features', () => {
    const shape = Object.keys(Report.shape);
    expect(Object.keys(build([clear], [0.1, 0.2]) as Report).sort()).toEqual([...shape].sort());
    expect(Object.keys(build([clear], null) as Report).sort()).toEqual(
      shape.filter((k) => k !== 'features').sort(),
    );
  });

  it('copies the site, manifest version and period, and nothing that identifies the learner', () => {
    const r = build([clear], null) as Report;
    expect(r).toMatchObject(base);
    expect(r.id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('gives each report a fresh random id', () => {
    const rng = seededRandom(9);
    const ids = new Set(
      Array.from(
        { length: 200 },
        () => buildReport({ ...base, assignments: [clear], features: null, reporting, rng })?.id,
      ),
    );
    expect(ids.size).toBe(200);
  });

  it('reports a clear assignment as its segment id, spending nothing', () => {
    const r = build([clear], null) as Report;
    expect(r.segments).toEqual([{ model: 'engagement', channel: 'clear', segment: 'steady' }]);
    expect(r.epsilon).toBe(0);
  });

  it('reports an ldp assignment with GRR when k < 3 e^eps + 2, at epsilonSegment', () => {
    const r = build([ldpSmall], null) as Report;
    expect(r.segments).toEqual([
      { model: 'pace', channel: 'ldp', eps: 1.5, k: 4, oracle: 'grr', value: expect.any(Number) },
    ]);
    expect(r.epsilon).toBe(1.5);
  });

  it('reports an ldp assignment with OUE when k >= 3 e^eps + 2', () => {
    const field = (build([ldpLarge], null) as Report).segments[0];
    expect(field).toMatchObject({ model: 'topics', channel: 'ldp', eps: 1.5, k: 30, oracle: 'oue' });
    expect(field && 'bits' in field ? field.bits : []).toHaveLength(30);
  });

  it('randomises the ldp value (the true index is not always sent)', () => {
    const values = new Set(
      Array.from({ length: 200 }, (_, i) => {
        const f = (build([ldpSmall], null, reporting, i) as Report).segments[0];
        return f && f.channel === 'ldp' ? f.value : undefined;
      }),
    );
    expect(values.size).toBe(4);
  });

  it('omits models whose channel is none', () => {
    expect((build([clear, none], null) as Report).segments.map((s) => s.model)).toEqual(['engagement']);
  });

  it('returns null when there is no segment field and no feature field', () => {
    expect(build([none], null)).toBeNull();
    expect(build([], null)).toBeNull();
    expect(build([none], [0.2], { ...reporting, epsilonFeatures: 0 })).toBeNull();
  });

  it('sends only features when every model is none and features are given', () => {
    const r = build([none], [0.2, 0.4]) as Report;
    expect(r.segments).toEqual([]);
    expect(r.features).toMatchObject({ eps: 3, d: 2, mechanism: 'hybrid' });
  });

  it('adds no feature field when epsilonFeatures is 0', () => {
    expect(build([clear], [0.2, 0.4], { ...reporting, epsilonFeatures: 0 })?.features).toBeUndefined();
  });

  it('sends the sampled dims and their noised values, never a raw feature value', () => {
    const x = [0.123, -0.456, 0.789, 0.5];
    const eps = 6;
    const m = sampledDimensions(x.length, eps);
    for (let seed = 0; seed < 300; seed++) {
      const f = build([], x, { ...reporting, epsilonFeatures: eps }, seed)?.features;
      expect(f?.dims).toHaveLength(m);
      for (const v of f?.values ?? []) {
        // every value is an HM output at eps / m scaled by d / m: +-B or a PM grid midpoint
        const y = (v * m) / x.length;
        const c = piecewiseBound(eps / m);
        const cell = Math.round(((y + c) * GRID_CELLS) / (2 * c) - 0.5);
        expect(Math.abs(y) === duchiBound(eps / m) || piecewiseCellValue(eps / m, cell) === y).toBe(true);
        expect(x.includes(v)).toBe(false);
      }
    }
  });

  it('sets epsilon to the sum of every ldp field and the feature field', () => {
    const r = build([clear, ldpSmall, ldpLarge, none], [0, 0, 0]) as Report;
    expect(r.epsilon).toBeCloseTo(1.5 + 1.5 + 3, 12);
    expect(Report.safeParse(r).success).toBe(true);
  });

  it('throws an EdsegError for a feature outside [-1, 1]', () => {
    expect(() => build([clear], [0, 1.5])).toThrow(/\[-1, 1\]/);
  });
});
