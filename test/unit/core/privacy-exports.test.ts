import { describe, expect, it } from 'vitest';
import * as privacy from '../../../src/privacy.js';
import { EdsegError } from '../../../src/core/errors.js';

const {
  perturbSegment,
  perturbScalar,
  perturbVector,
  estimateFrequencies,
  estimateMean,
  seededRandom,
  cryptoRng,
} = privacy;

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(EdsegError);
    return (e as EdsegError).field;
  }
  throw new Error('expected an EdsegError');
}

describe('edseg/privacy exports', () => {
  it("export PRIVACY.md's auditor functions and the variance formulas", () => {
    for (const name of [
      'perturbSegment',
      'perturbScalar',
      'perturbVector',
      'estimateFrequencies',
      'estimateMean',
      'seededRandom',
      'grrVariance',
      'oueVariance',
      'duchiVariance',
      'piecewiseVariance',
      'hybridVariance',
      'hybridWorstVariance',
      'vectorVariance',
    ]) {
      expect(typeof (privacy as Record<string, unknown>)[name]).toBe('function');
    }
    expect(typeof cryptoRng.int).toBe('function');
  });

  it('perturbSegment returns { oracle: grr, value } for small k and { oracle: oue, bits } for large k', () => {
    expect(perturbSegment(1, 3, 1)).toEqual({ oracle: 'grr', value: expect.any(Number) });
    const r = perturbSegment(1, 40, 1);
    expect(r.oracle).toBe('oue');
    expect(r.oracle === 'oue' && r.bits.length).toBe(40);
  });

  it('default to the crypto generator and accept a seeded one with the same interface', () => {
    expect(typeof perturbScalar(0.5, 1, 'hybrid')).toBe('number');
    expect(perturbScalar(0.5, 1, 'piecewise', seededRandom(3))).toBe(
      perturbScalar(0.5, 1, 'piecewise', seededRandom(3)),
    );
  });

  it('perturbVector returns sampled dims and values', () => {
    const r = perturbVector([0.1, 0.2, 0.3], 1, seededRandom(1));
    expect(r.dims).toHaveLength(1);
    expect(r.values).toHaveLength(1);
  });

  it('name the field at fault for bad input', () => {
    expect(fieldOf(() => perturbScalar(1.5, 1, 'duchi'))).toBe('t');
    expect(fieldOf(() => perturbScalar(Number.NaN, 1, 'duchi'))).toBe('t');
    expect(fieldOf(() => perturbScalar(0, 0, 'duchi'))).toBe('eps');
    expect(fieldOf(() => perturbScalar(0, Infinity, 'hybrid'))).toBe('eps');
    expect(fieldOf(() => perturbScalar(0, 1, 'laplace' as 'duchi'))).toBe('mechanism');
    expect(fieldOf(() => perturbScalar(0, 1, 'toString' as 'duchi'))).toBe('mechanism');
    expect(fieldOf(() => perturbSegment(3, 3, 1))).toBe('index');
    expect(fieldOf(() => perturbSegment(0, 1, 1))).toBe('k');
    expect(fieldOf(() => perturbSegment(0, 3, -1))).toBe('eps');
    expect(fieldOf(() => perturbVector([0, 2], 1))).toBe('x.1');
    expect(fieldOf(() => perturbVector([], 1))).toBe('x');
    expect(fieldOf(() => estimateFrequencies([], 3, 1))).toBe('responses');
    expect(fieldOf(() => estimateFrequencies([{ oracle: 'grr', value: 3 }], 3, 1))).toBe('responses.0');
    expect(fieldOf(() => estimateFrequencies([{ oracle: 'oue', bits: [0, 1] }], 3, 1))).toBe('responses.0');
    expect(
      fieldOf(() =>
        estimateFrequencies(
          [
            { oracle: 'grr', value: 0 },
            { oracle: 'oue', bits: [0, 2, 1] as (0 | 1)[] },
          ],
          3,
          1,
        ),
      ),
    ).toBe('responses.1');
    expect(fieldOf(() => estimateMean([], 1, 'hybrid'))).toBe('values');
    expect(fieldOf(() => estimateMean([0.5], 1, 'laplace' as 'duchi'))).toBe('mechanism');
    expect(fieldOf(() => estimateMean([0.5], 1, 'toString' as 'duchi'))).toBe('mechanism');
  });

  it('estimateFrequencies returns freq, se, lo and hi per value with lo < freq < hi', () => {
    const rng = seededRandom(2);
    const responses = Array.from({ length: 500 }, () => perturbSegment(0, 3, 2, rng));
    const e = estimateFrequencies(responses, 3, 2);
    for (const key of ['freq', 'se', 'lo', 'hi'] as const) expect(e[key]).toHaveLength(3);
    e.freq.forEach((f, v) => {
      expect(e.lo[v]).toBeLessThan(f);
      expect(e.hi[v]).toBeGreaterThan(f);
      expect(e.hi[v]! - e.lo[v]!).toBeCloseTo(2 * 1.959963984540054 * e.se[v]!, 12);
    });
  });
});
