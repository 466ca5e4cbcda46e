/**
 * random.ts, statistically: int(n) is uniform (chi-square, including n that are not powers of
 * two and n just above 2^31 where modulo reduction would be most biased), real() is uniform on
 * [0, 1) down to its last bit, bernoulli(p) has frequency p; for the crypto and seeded generators.
 */
import { describe, expect, it } from 'vitest';
import { cryptoRng, seededRandom, type Rng } from '../../src/core/privacy/random.js';
import { bump, chiSquareTest, Z_LIMIT } from './stats.js';

// The crypto generator cannot be seeded, so its checks use a stricter p-value floor (1e-6) to
// keep the chance of a spurious failure negligible; the seeded ones use 1e-4.
const generators: [string, () => Rng, number][] = [
  ['crypto', () => cryptoRng, 1e-6],
  ['seeded', () => seededRandom(2024), 1e-4],
];

describe.each(generators)('%s generator', (_name, make, floor) => {
  for (const n of [2, 3, 7, 10, 1000]) {
    it(`draws int(${n}) uniformly (chi-square)`, () => {
      const rng = make();
      const counts = new Float64Array(n);
      const draws = 200 * n + 50_000;
      for (let i = 0; i < draws; i++) bump(counts, rng.int(n));
      expect(chiSquareTest(counts, new Array(n).fill(1 / n)).p).toBeGreaterThan(floor);
    });
  }

  it('shows no modulo bias for n = 3 * 2^30, where x mod n would put half the mass below 2^30', () => {
    const rng = make();
    const n = 3 * 2 ** 30;
    const draws = 60_000;
    let low = 0;
    for (let i = 0; i < draws; i++) if (rng.int(n) < 2 ** 30) low++;
    expect(Math.abs(low / draws - 1 / 3) / Math.sqrt(((1 / 3) * (2 / 3)) / draws)).toBeLessThan(Z_LIMIT);
  });

  it('draws real() uniformly on [0, 1) (100 bins, chi-square)', () => {
    const rng = make();
    const counts = new Float64Array(100);
    for (let i = 0; i < 200_000; i++) {
      const u = rng.real();
      expect(u >= 0 && u < 1).toBe(true);
      bump(counts, Math.floor(u * 100));
    }
    expect(chiSquareTest(counts, new Array(100).fill(0.01)).p).toBeGreaterThan(floor);
  });

  it("draws real()'s lowest bits uniformly too (all 53 bits are random)", () => {
    const rng = make();
    const counts = new Float64Array(16);
    for (let i = 0; i < 100_000; i++) bump(counts, (rng.real() * 2 ** 53) % 16);
    expect(chiSquareTest(counts, new Array(16).fill(1 / 16)).p).toBeGreaterThan(floor);
  });

  it('returns true from bernoulli(p) with frequency p', () => {
    const rng = make();
    for (const p of [0.01, 0.3, 0.5, 0.9]) {
      const draws = 100_000;
      let hits = 0;
      for (let i = 0; i < draws; i++) if (rng.bernoulli(p)) hits++;
      expect(Math.abs(hits / draws - p) / Math.sqrt((p * (1 - p)) / draws)).toBeLessThan(Z_LIMIT + 1);
    }
  });
});
