/** Part C's at-risk share from LDP reports (eval/predictive-ldp.ts): unbiased around the device's segment share. */
import { describe, expect, it } from 'vitest';
import type { FeatureSpec, SoftmaxModel } from '../../../src/core/schema.js';
import { LDP_EPSILONS, ldpAtRiskShare } from '../../../eval/predictive-ldp.js';

const spec: FeatureSpec = {
  name: 'f0',
  kind: 'count',
  events: ['e'],
  windowDays: 7,
  transform: 'none',
  clip: [0, 10],
  normalisation: { kind: 'minmax' },
  educationRecord: false,
};
const doc = { dataSources: [], criteria: '', validation: '', changelog: [] };
const model: SoftmaxModel = {
  id: 'at-risk',
  purpose: 'instruction',
  kind: 'softmax',
  features: ['f0'],
  weights: [[1, -1]],
  bias: [0, 0],
  segments: [
    { id: 'at-risk', name: 'at risk', minAgeBand: 'under13', documentation: doc },
    { id: 'not-at-risk', name: 'not at risk', minAgeBand: 'under13', documentation: doc },
  ],
};

describe('ldpAtRiskShare', () => {
  const n = 1500;
  const index = Array.from({ length: n }, (_, i) => (i % 10 < 3 ? 0 : 1)); // 30% at-risk
  const x = index.map((v) => [v === 0 ? 0.5 : -0.5]);
  const atRisk = index.map((v, i) => v === 0 || i % 10 === 9); // 40% by outcome
  const rows = ldpAtRiskShare(model, [spec], x, index, atRisk, 30);
  it('one row per epsilon with the true shares', () => {
    expect(rows.map((r) => r.epsilon)).toEqual([...LDP_EPSILONS]);
    for (const r of rows) expect(r).toMatchObject({ reps: 30, trueSegmentShare: 0.3, trueOutcomeShare: 0.4 });
  });
  it('estimates the segment share without bias, the error and the interval shrinking as epsilon grows', () => {
    for (const r of rows) {
      expect(Math.abs(r.meanEstimate - 0.3)).toBeLessThan(r.meanHalfWidth / 2);
      expect(r.coverage).toBeGreaterThanOrEqual(0.8);
    }
    expect(rows[0]!.mae).toBeGreaterThan(rows[2]!.mae);
    expect(rows[0]!.meanHalfWidth).toBeGreaterThan(rows[1]!.meanHalfWidth);
    expect(rows[1]!.meanHalfWidth).toBeGreaterThan(rows[2]!.meanHalfWidth);
  });
  it('is seeded', () => {
    expect(
      ldpAtRiskShare(model, [spec], x.slice(0, 200), index.slice(0, 200), atRisk.slice(0, 200), 3),
    ).toEqual(ldpAtRiskShare(model, [spec], x.slice(0, 200), index.slice(0, 200), atRisk.slice(0, 200), 3));
  });
});
