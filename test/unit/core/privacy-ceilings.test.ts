import { describe, expect, it } from 'vitest';
import {
  ceilingExcess,
  deviceCeilings,
  worstReportEpsilon,
  worstWindowEpsilon,
} from '../../../src/core/privacy/ceilings.js';
import type { Manifest } from '../../../src/core/schema.js';

/** k models and a reporting block: all the ceilings read of a manifest. */
const manifest = (models: number, reporting: Partial<Manifest['reporting']>) =>
  ({
    models: Array.from({ length: models }, (_, i) => ({ id: `m${i}` })),
    reporting: {
      periodDays: 7,
      epsilonSegment: 1,
      epsilonFeatures: 2,
      budget: { windowDays: 28, maxEpsilon: 24 },
      kThreshold: 50,
      ...reporting,
    },
  }) as unknown as Pick<Manifest, 'models' | 'reporting'>;

describe('the device ceilings', () => {
  it('takes the worst report as eps_s for every model plus eps_f', () => {
    expect(worstReportEpsilon(manifest(5, {}))).toBe(7);
  });

  it('counts the five weekly periods a 28-day window can touch (days 6, 7, 14, 21 and 28)', () => {
    // Worst report 8, weekly periods, a budget of 40 per 28 days: 5 reports of 8 fit in 28 days.
    const m = manifest(6, { budget: { windowDays: 28, maxEpsilon: 40 } });
    expect(worstWindowEpsilon(m)).toBe(40);
    expect(ceilingExcess(m, deviceCeilings())).toContain('in 28 days');
  });

  it('bounds the window by the budget when that is lower, and by the periods when they are', () => {
    expect(worstWindowEpsilon(manifest(5, {}))).toBe(24);
    expect(
      worstWindowEpsilon(manifest(1, { periodDays: 30, budget: { windowDays: 7, maxEpsilon: 8 } })),
    ).toBe(6);
  });

  it('accepts the seeded demo site (5 models, 1 + 2 per week, 24 per 28 days)', () => {
    expect(ceilingExcess(manifest(5, {}), deviceCeilings())).toBeNull();
  });
});
