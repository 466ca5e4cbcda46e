/** The early-warning benchmark's metrics (eval/benchmark.ts) on hand-computed cases. */
import { describe, expect, it } from 'vitest';
import { averagePrecision, bootstrap, brier, metrics, recallAtTop } from '../../../eval/benchmark.js';

describe('eval/benchmark.ts', () => {
  it('average precision: precision at each positive, ties taken together', () => {
    // ranks: + - + -  ->  (1/2)(1/1) + (1/2)(2/3)
    expect(averagePrecision([0.9, 0.8, 0.7, 0.6], [true, false, true, false])).toBeCloseTo(5 / 6, 12);
    // all tied: one threshold, precision = base rate
    expect(averagePrecision([0.5, 0.5, 0.5, 0.5], [true, false, false, false])).toBeCloseTo(0.25, 12);
    expect(averagePrecision([0.2, 0.1], [false, false])).toBeNaN();
    // a perfect ranking has AP 1 whatever the base rate
    expect(averagePrecision([0.9, 0.8, 0.1], [true, true, false])).toBe(1);
  });

  it('Brier score is the mean squared error of the probability', () => {
    expect(brier([1, 0, 0.5], [true, false, true])).toBeCloseTo(0.25 / 3, 12);
    expect(brier([0.3, 0.3], [false, true])).toBeCloseTo((0.09 + 0.49) / 2, 12);
  });

  it('recall among the top share: ceil(share x n) highest scores, ties by position', () => {
    const p = [0.9, 0.1, 0.8, 0.2, 0.3];
    const y = [true, true, false, false, false];
    expect(recallAtTop(p, y, 0.2)).toBe(0.5); // top 1: index 0
    expect(recallAtTop(p, y, 0.4)).toBe(0.5); // top 2: 0, 2
    expect(recallAtTop(p, y, 1)).toBe(1);
    expect(recallAtTop([0.5, 0.5, 0.5], [false, true, false], 0.2)).toBe(0); // tie: the first
  });

  it('bootstrap: seeded, intervals around the point, paired AUC difference', () => {
    const n = 200;
    const y = Array.from({ length: n }, (_, i) => i % 3 === 0);
    const good = y.map((v, i) => (v ? 0.6 : 0.4) + ((i * 37) % 100) / 250); // overlapping scores
    const weak = y.map((v, i) => (v ? 0.55 : 0.45) + ((i * 53) % 100) / 120);
    const a = bootstrap({ good, weak }, y, 300, 7);
    const b = bootstrap({ good, weak }, y, 300, 7);
    expect(a.models).toEqual(b.models);
    for (const m of ['good', 'weak']) {
      const r = a.models[m]!;
      expect(r).toMatchObject(metrics(m === 'good' ? good : weak, y));
      for (const [k, ci] of [
        ['auc', r.aucCi],
        ['prAuc', r.prAucCi],
        ['brier', r.brierCi],
        ['recallAt20', r.recallAt20Ci],
      ] as const) {
        expect(ci[0]).toBeLessThanOrEqual(r[k]);
        expect(ci[1]).toBeGreaterThanOrEqual(r[k]);
        expect(ci[1]).toBeGreaterThan(ci[0]);
      }
      expect(r.aucSe).toBeGreaterThan(0);
    }
    expect(a.models['good']!.auc).toBeGreaterThan(a.models['weak']!.auc);
    const d = a.aucDiff('good', 'weak');
    expect(d.diff).toBeCloseTo(a.models['good']!.auc - a.models['weak']!.auc, 12);
    expect(d.se).toBeGreaterThan(0);
    expect(a.aucDiff('good', 'good')).toEqual({ diff: 0, se: 0 });
    // a perfect separator: every resample has AUC 1
    const perfect = bootstrap({ p: y.map((v) => (v ? 1 : 0)) }, y, 50, 1).models['p']!;
    expect(perfect.aucCi).toEqual([1, 1]);
    expect(perfect.brierCi).toEqual([0, 0]);
  });
});
