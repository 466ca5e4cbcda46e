/**
 * A StatDP-style privacy audit (Ding, Wang, Wang, Zhang, Kifer, "Detecting Violations of
 * Differential Privacy", CCS 2018), reusable against the `edseg/privacy` exports.
 *
 * Given a mechanism run on two neighbouring inputs A and B (two segment ids; t = -1 and t = 1),
 * it draws `draws` outputs from each, maps them to bins with each partition (a partition is a
 * function from an output to a bin key: signs, equal-width bins, bit patterns...), and tests, for
 * every bin and both directions, H0: P_A(bin) <= e^eps P_B(bin). It rejects when the one-sided
 * Clopper-Pearson lower bound on P_A(bin) exceeds e^eps times the upper bound on P_B(bin). Under
 * H0 that needs one of the two bounds to miss, so with each bound at alpha / (2 M) for M
 * comparisons (Bonferroni) the audit wrongly reports a violation with probability at most alpha.
 *
 * Partitions should be chosen before looking at the test draws. `scalarPartitions` picks them from
 * a separate pilot run, as StatDP's event search does: values that repeat (atoms, e.g. Duchi's +-B)
 * get bins of their own, the rest equal-width bins at several resolutions over the pilot's range.
 *
 * Usage against the exports (auditScalar below does exactly this for the scalar specs):
 *   import { perturbScalar, seededRandom } from 'edseg/privacy';
 *   const rng = seededRandom(1);
 *   const sample = (t) => () => perturbScalar(t, 1, 'piecewise', rng);
 *   const pilot = Array.from({ length: 20000 }, sample(1)).concat(Array.from({ length: 20000 }, sample(-1)));
 *   const r = audit({ eps: 1, draws: 200000, sampleA: sample(-1), sampleB: sample(1), partitions: scalarPartitions(pilot) });
 *   r.ok; r.epsLowerBound;
 */
import type { ScalarMechanism } from '../../src/core/privacy/scalar.js';
import { perturbScalar, seededRandom } from '../../src/privacy.js';
import { clopperPearson } from './stats.js';

/** A way to bin outputs: outputs with the same key fall in the same bin. */
export type Partition<T> = { name: string; key: (x: T) => string | number };

/** One bin and direction whose evidence is strongest (or a violation). */
export type AuditFinding = {
  partition: string;
  bin: string;
  /** 'A>B' tests P_A(bin) <= e^eps P_B(bin); 'B>A' the reverse */
  direction: 'A>B' | 'B>A';
  countA: number;
  countB: number;
  /** lower confidence bound on the probability ratio in that direction */
  ratioLower: number;
};

export type AuditResult = {
  /** no bin's ratio exceeds e^eps beyond its statistical error */
  ok: boolean;
  /** an epsilon the mechanism certainly (at level alpha) spends: max ln(ratioLower), at least 0 */
  epsLowerBound: number;
  /** comparisons made (bins x 2 directions) */
  tests: number;
  worst: AuditFinding | null;
  violations: AuditFinding[];
};

/** Runs the audit; alpha is the family-wise chance of a false violation (default 1e-3). */
export function audit<T>(opts: {
  eps: number;
  draws: number;
  sampleA: () => T;
  sampleB: () => T;
  partitions: readonly Partition<T>[];
  alpha?: number;
}): AuditResult {
  const { eps, draws, partitions } = opts;
  const alpha = opts.alpha ?? 1e-3;
  const countsA = partitions.map(() => new Map<string | number, number>());
  const countsB = partitions.map(() => new Map<string | number, number>());
  const tally = (sample: () => T, counts: Map<string | number, number>[]) => {
    for (let i = 0; i < draws; i++) {
      const x = sample();
      partitions.forEach((p, j) => {
        const m = counts[j] as Map<string | number, number>;
        const k = p.key(x);
        m.set(k, (m.get(k) ?? 0) + 1);
      });
    }
  };
  tally(opts.sampleA, countsA);
  tally(opts.sampleB, countsB);

  const cells: { partition: string; bin: string | number; a: number; b: number }[] = [];
  partitions.forEach((p, j) => {
    const a = countsA[j] as Map<string | number, number>;
    const b = countsB[j] as Map<string | number, number>;
    for (const bin of new Set([...a.keys(), ...b.keys()]))
      cells.push({ partition: p.name, bin, a: a.get(bin) ?? 0, b: b.get(bin) ?? 0 });
  });
  const tests = 2 * cells.length;
  const level = alpha / (2 * tests);
  const bound = Math.exp(eps) * (1 + 1e-12);
  const cache = new Map<number, { lo: number; hi: number }>();
  const cp = (x: number) => {
    let r = cache.get(x);
    if (!r) cache.set(x, (r = clopperPearson(x, draws, level)));
    return r;
  };
  let worst: AuditFinding | null = null;
  const violations: AuditFinding[] = [];
  for (const c of cells) {
    for (const direction of ['A>B', 'B>A'] as const) {
      const [num, den] = direction === 'A>B' ? [c.a, c.b] : [c.b, c.a];
      if (num === 0) continue;
      const ratioLower = cp(num).lo / cp(den).hi;
      const finding: AuditFinding = {
        partition: c.partition,
        bin: String(c.bin),
        direction,
        countA: c.a,
        countB: c.b,
        ratioLower,
      };
      if (!worst || ratioLower > worst.ratioLower) worst = finding;
      if (ratioLower > bound) violations.push(finding);
    }
  }
  return {
    ok: violations.length === 0,
    epsLowerBound: worst ? Math.max(0, Math.log(worst.ratioLower)) : 0,
    tests,
    worst,
    violations,
  };
}

/** Equal-width bins over [lo, hi] (values outside go to the end bins). */
export function equalWidth(lo: number, hi: number, bins: number): (x: number) => number {
  return (x) => Math.min(bins - 1, Math.max(0, Math.floor(((x - lo) / (hi - lo)) * bins)));
}

/**
 * Partitions for a scalar mechanism chosen from a pilot run: atoms (values seen in at least 0.5%
 * of pilot draws) get their own bins; other values fall into equal-width bins over the pilot's
 * range at each resolution.
 */
export function scalarPartitions(
  pilot: readonly number[],
  resolutions: readonly number[] = [4, 16, 64, 256],
): Partition<number>[] {
  const freq = new Map<number, number>();
  for (const x of pilot) freq.set(x, (freq.get(x) ?? 0) + 1);
  const atoms = new Set([...freq].filter(([, n]) => n >= pilot.length * 0.005).map(([x]) => x));
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of pilot) {
    if (atoms.has(x)) continue;
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
  }
  if (!(hi > lo)) return [{ name: 'atoms', key: (x) => (atoms.has(x) ? `atom:${x}` : 'other') }];
  return resolutions.map((r) => {
    const bin = equalWidth(lo, hi, r);
    return { name: `bins:${r}`, key: (x: number) => (atoms.has(x) ? `atom:${x}` : bin(x)) };
  });
}

/** Draws n outputs from each of the given samplers, concatenated (a pilot run). */
export function pilot<T>(n: number, ...samplers: (() => T)[]): T[] {
  return samplers.flatMap((s) => Array.from({ length: n }, s));
}

/**
 * The audit of a scalar mechanism for t = -1 vs t = 1 over 200,000 draws each: run at eps `actual`,
 * tested against the `claimed` eps, with partitions from a 20,000-draw pilot of both inputs drawn
 * first from the same seeded generator.
 */
export function auditScalar(
  mechanism: ScalarMechanism,
  claimed: number,
  actual: number,
  seed: number,
): AuditResult {
  const rng = seededRandom(seed);
  const sampleA = () => perturbScalar(-1, actual, mechanism, rng);
  const sampleB = () => perturbScalar(1, actual, mechanism, rng);
  return audit({
    eps: claimed,
    draws: 200_000,
    sampleA,
    sampleB,
    partitions: scalarPartitions(pilot(20_000, sampleA, sampleB)),
  });
}
