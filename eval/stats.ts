/** Outcome statistics of the evaluation (pure): Wilson intervals, flag lift and recall, report counts. */
import { Z95 } from '../src/core/privacy/estimate.js';

/** OULAD's final_result values, worst first. */
export const OUTCOMES = ['Withdrawn', 'Fail', 'Pass', 'Distinction'] as const;
/** One final_result. */
export type Outcome = (typeof OUTCOMES)[number];

/** Wilson's score interval for x successes in n trials (Wilson 1927, JASA 22:209); [0, 1] when n = 0. */
export function wilson(x: number, n: number, z = Z95): [number, number] {
  if (n === 0) return [0, 1];
  const p = x / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** How a flag (e.g. "in drifting") separates a binary outcome: its rate among the flagged and the others, lift over the base rate, recall. */
export type FlagStats = {
  flagged: number;
  hits: number;
  rate: number;
  ci: [number, number];
  others: number;
  othersRate: number;
  base: number;
  lift: number;
  liftCi: [number, number];
  recall: number;
};

/**
 * rate = hits / flagged with its Wilson interval; lift = rate / base, its interval the Wilson
 * bounds over the base (the base is the whole evaluated population's rate, taken as known).
 */
export function flagStats(flags: readonly boolean[], positive: readonly boolean[]): FlagStats {
  let flagged = 0,
    hits = 0,
    pos = 0;
  flags.forEach((f, i) => {
    const p = positive[i] === true;
    if (p) pos++;
    if (f) {
      flagged++;
      if (p) hits++;
    }
  });
  const n = flags.length;
  const base = n === 0 ? NaN : pos / n;
  const rate = flagged === 0 ? NaN : hits / flagged;
  const ci = wilson(hits, flagged);
  const others = n - flagged;
  return {
    flagged,
    hits,
    rate,
    ci,
    others,
    othersRate: others === 0 ? NaN : (pos - hits) / others,
    base,
    lift: rate / base,
    liftCi: [ci[0] / base, ci[1] / base],
    recall: pos === 0 ? NaN : hits / pos,
  };
}

/** Outcome counts per segment id, in the order of `ids`. */
export function outcomesBySegment(
  ids: readonly string[],
  segment: readonly number[],
  outcome: readonly Outcome[],
): { id: string; n: number; counts: Record<Outcome, number> }[] {
  const rows = ids.map((id) => ({
    id,
    n: 0,
    counts: { Withdrawn: 0, Fail: 0, Pass: 0, Distinction: 0 } as Record<Outcome, number>,
  }));
  segment.forEach((s, i) => {
    const row = rows[s];
    const o = outcome[i];
    if (!row || !o) return;
    row.n++;
    row.counts[o]++;
  });
  return rows;
}

/** Reports a 95% interval of half-width h needs when one report's variance is v: ceil(z^2 v / h^2) (normal approximation). */
export function reportsForHalfWidth(v: number, h: number): number {
  return Math.ceil((Z95 * Z95 * v) / (h * h));
}

/** The p-quantile of xs (the value at floor(p * n) of the sorted copy; NaN when empty). */
export const quantile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
};
/** The arithmetic mean of xs (NaN when empty). */
export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
